"""Writing notes: who may write, revisions on every save, history, diffs, restore, and bad input."""
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from community.db import db
from community.notes import services
from community.notes.models import Note, NoteRevision
from tests.factories import make_note, make_session, make_user

NOON = datetime(2030, 3, 5, 12, 0, tzinfo=UTC)


def _form(**overrides) -> dict:
    """A valid note form, with fields replaced or removed (None) as given."""
    data = {"title": "Data maturity and the cost of perfect customer data",
            "summary": "What good enough data is worth.",
            "body": "## Why it matters\n\nGood enough data ships sooner.",
            "kind": "pre_read", "visibility": "public", "message": "First draft for the panel"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _revisions(note) -> list[NoteRevision]:
    db.session.expire_all()
    return list(db.session.scalars(select(NoteRevision).where(NoteRevision.note_id == note.id)
                                   .order_by(NoteRevision.number)))


# Who may write --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "organiser"])
def test_analysts_and_organisers_open_the_writing_page(client, auth, role):
    auth.log_in_new_user(role=role)
    response = client.get("/notes/new")
    assert response.status_code == 200 and "Write a note" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["analyst", "organiser"])
def test_analysts_and_organisers_write_a_note(client, auth, role):
    writer = auth.log_in_new_user(role=role)
    response = client.post("/notes/new", data=_form())
    (note,) = db.session.scalars(select(Note)).all()
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/notes/{note.id}-{note.slug}"
    assert [a.id for a in note.authors] == [writer.id]


@pytest.mark.parametrize("confirmed", [True, False], ids=["member", "unconfirmed"])
def test_members_may_not_write_notes(client, auth, confirmed):
    auth.log_in_new_user(role="member", confirmed=confirmed)
    assert client.get("/notes/new").status_code == 403
    assert client.post("/notes/new", data=_form()).status_code == 403
    assert client.get("/notes/mine").status_code == 403
    assert _count(Note) == 0


def test_anonymous_writer_is_sent_to_log_in(client):
    for response in (client.get("/notes/new"), client.post("/notes/new", data=_form())):
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert _count(Note) == 0


def test_members_may_not_use_the_live_preview(client, auth):
    auth.log_in_new_user(role="member")
    assert client.post("/notes/preview", data={"body": "# hi"}).status_code == 403


def test_another_analyst_may_not_edit_a_published_note(client, auth):
    note = make_note(visibility="public", body="Original.")
    auth.log_in_new_user(role="analyst")
    assert client.get(f"/notes/{note.id}/edit").status_code == 403
    assert client.post(f"/notes/{note.id}/edit", data=_form(body="Defaced.")).status_code == 403
    assert client.get(f"/notes/{note.id}/history").status_code == 403
    assert client.post(f"/notes/{note.id}/restore/1").status_code == 403
    assert [r.body for r in _revisions(note)] == ["Original."]


def test_another_analyst_does_not_learn_that_a_draft_exists(client, auth):
    note = make_note(visibility="draft")
    auth.log_in_new_user(role="analyst")
    for path in (f"/notes/{note.id}/edit", f"/notes/{note.id}/history", f"/notes/{note.id}/diff?from=1&to=1"):
        assert client.get(path).status_code == 404


def test_organiser_edits_a_note_they_did_not_write(client, auth):
    note = make_note(body="Original.")
    organiser = auth.log_in_new_user(role="organiser")
    assert client.post(f"/notes/{note.id}/edit", data=_form(body="Organiser's fix.")).status_code == 302
    assert [(r.body, r.saved_by_id) for r in _revisions(note)][-1] == ("Organiser's fix.", organiser.id)


def test_my_notes_lists_my_drafts(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    make_note(author=writer, title="My unfinished draft", visibility="draft")
    make_note(title="Someone else's draft", visibility="draft")
    db.session.commit()
    page = client.get("/notes/mine").get_data(as_text=True)
    assert "My unfinished draft" in page and "Someone else&#39;s draft" not in page


# Revisions ------------------------------------------------------------------------------------


def test_first_save_keeps_revision_one_with_who_when_and_message(client, auth):
    with time_machine.travel(NOON, tick=False):
        writer = auth.log_in_new_user(role="analyst")  # login cookies are signed with the time
        client.post("/notes/new", data=_form(body="First body.", message="First draft for the panel"))
    (note,) = db.session.scalars(select(Note)).all()
    (revision,) = _revisions(note)
    assert (revision.number, revision.body, revision.saved_by_id, revision.saved_at, revision.message) == (
        1, "First body.", writer.id, NOON, "First draft for the panel")


def test_every_save_of_the_content_keeps_a_new_revision(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    co_author = make_user(role="analyst", name="Cora Coauthor")
    note = make_note(author=writer, authors=[co_author], body="One.")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit", data=_form(body="Two.", message="Added figures"))
    auth.logout()
    with time_machine.travel(NOON, tick=False):
        auth.login(co_author)  # login cookies are signed with the time: log in on the day
        client.post(f"/notes/{note.id}/edit", data=_form(body="Three.", message="Tightened the questions"))
    revisions = _revisions(note)
    assert [(r.number, r.body, r.saved_by_id, r.message) for r in revisions] == [
        (1, "One.", writer.id, "First version"),
        (2, "Two.", writer.id, "Added figures"),
        (3, "Three.", co_author.id, "Tightened the questions")]
    assert revisions[-1].saved_at == NOON


def test_a_save_without_a_message_is_recorded_as_edited(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, body="One.")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit", data=_form(body="Two.", message=""))
    assert _revisions(note)[-1].message == "Edited"


def test_history_lists_every_revision_with_who_when_and_what(client, auth):
    writer = make_user(role="analyst", name="Ana Analyst")
    with time_machine.travel(NOON, tick=False):
        note = make_note(author=writer, body="One.")
        db.session.commit()
    with time_machine.travel(NOON + timedelta(days=1), tick=False):
        # Login cookies are signed with the time: log in on the day (and read the welcome).
        auth.login(writer, follow_redirects=True)
        client.post(f"/notes/{note.id}/edit", data=_form(body="Two.", message="Added figures"))
        page = client.get(f"/notes/{note.id}/history").get_data(as_text=True)
    assert page.count("Ana Analyst") == 2
    assert "First version" in page and "Added figures" in page
    assert "5 Mar 2030" in page and "6 Mar 2030" in page
    assert page.index("Added figures") < page.index("First version"), "newest first"


def test_diff_shows_added_and_removed_lines(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, body="Keep this line.\nRemove this line.")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit",
                data=_form(title=note.title, body="Keep this line.\nAdd this line."))
    response = client.get(f"/notes/{note.id}/diff?from=1&to=2")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<del>- Remove this line.</del>" in page and "<ins>+ Add this line.</ins>" in page
    assert "<span>  Keep this line.</span>" in page


def test_diff_escapes_the_lines_it_shows(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, body="Safe.")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit",
                data=_form(title=note.title, body="<script>window.__pwned=1</script>"))
    page = client.get(f"/notes/{note.id}/diff?from=1&to=2").get_data(as_text=True)
    assert "<script>window.__pwned" not in page and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page


def test_diff_with_a_revision_of_another_note_is_refused_with_nothing_stored(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    mine = make_note(author=writer, title="Mine", body="One.")
    other = make_note(author=writer, title="Other", body="One.")
    services.update(writer, mine, body="Two.")
    services.update(writer, other, body="Two.")
    services.update(writer, other, body="Three.")
    db.session.commit()
    before = (_count(Note), _count(NoteRevision), mine.body)
    response = client.get(f"/notes/{mine.id}/diff?from=1&to=3")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/notes/{mine.id}/history"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This note has no revision 3." in page and "flash-error" in page
    db.session.expire_all()
    assert (_count(Note), _count(NoteRevision), mine.body) == before


@pytest.mark.parametrize("query", ["", "?from=1", "?to=1", "?from=one&to=2", "?from=0&to=1", "?from=-1&to=1"])
def test_diff_without_two_revisions_of_this_note_is_refused_clearly(client, auth, query):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, body="One.")
    db.session.commit()
    response = client.get(f"/notes/{note.id}/diff{query}", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == f"/notes/{note.id}/history"
    assert "flash-error" in response.get_data(as_text=True)


def test_restore_brings_back_old_content_as_the_newest_revision(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, title="Data maturity", summary="Old summary.", body="Old body.")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit", data=_form(title="Data maturity, revised", summary="New.",
                                                      body="New body.", message="Rewrote it"))
    response = client.post(f"/notes/{note.id}/restore/1", follow_redirects=True)
    assert "Revision 1 is restored as the newest version." in response.get_data(as_text=True)
    revisions = _revisions(note)
    assert [(r.number, r.title, r.body, r.message) for r in revisions] == [
        (1, "Data maturity", "Old body.", "First version"),
        (2, "Data maturity, revised", "New body.", "Rewrote it"),
        (3, "Data maturity", "Old body.", "Restored revision 1")]
    assert revisions[-1].saved_by_id == writer.id
    assert (note.title, note.summary, note.body, note.slug) == (
        "Data maturity", "Old summary.", "Old body.", "data-maturity")


@pytest.mark.parametrize("number", [2, 99])
def test_restore_of_a_revision_this_note_does_not_have_is_refused_with_nothing_stored(client, auth, number):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, body="Mine.")
    other = make_note(author=writer, body="Other one.")
    services.update(writer, other, body="Other two.")
    db.session.commit()
    response = client.post(f"/notes/{note.id}/restore/{number}", follow_redirects=True)
    assert f"This note has no revision {number}." in response.get_data(as_text=True)
    assert [r.body for r in _revisions(note)] == ["Mine."] and note.body == "Mine."


# Bad input ------------------------------------------------------------------------------------


def test_attendees_note_without_a_linked_session_is_refused_with_a_field_error(client, auth):
    auth.log_in_new_user(role="analyst")
    response = client.post("/notes/new", data=_form(visibility="attendees"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A note for attendees must be linked to at least one session." in page
    assert _count(Note) == 0 and _count(NoteRevision) == 0


def test_attendees_note_with_a_linked_session_is_saved(client, auth):
    auth.log_in_new_user(role="analyst")
    session = make_session()
    db.session.commit()
    response = client.post("/notes/new", data=_form(visibility="attendees", sessions=[session.id]))
    assert response.status_code == 302
    (note,) = db.session.scalars(select(Note)).all()
    assert [s.id for s in note.sessions] == [session.id]


def test_turning_a_note_into_an_attendees_note_without_sessions_is_refused(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, body="Original.", visibility="members")
    db.session.commit()
    page = client.post(f"/notes/{note.id}/edit", data=_form(visibility="attendees", body="Changed.")
                       ).get_data(as_text=True)
    assert "A note for attendees must be linked to at least one session." in page
    db.session.expire_all()
    assert (note.visibility, note.body) == ("members", "Original.")
    assert len(_revisions(note)) == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "Give the note a title."),
    ({"title": "   "}, "Give the note a title."),
    ({"title": None}, "Give the note a title."),
    ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
    ({"summary": "x" * 501}, "Field cannot be longer than 500 characters."),
    ({"visibility": "everyone"}, "Not a valid choice."),
    ({"kind": "rumour"}, "Not a valid choice."),
    ({"embargo_until": "next tuesday"}, "Not a valid datetime value."),
    ({"sessions": "abc"}, "Invalid choice(s)"),
    ({"sessions": "999"}, "is not a valid choice for this field."),
    ({"message": "x" * 201}, "Field cannot be longer than 200 characters."),
], ids=["empty title", "blank title", "no title", "long title", "long summary", "unknown visibility",
        "unknown kind", "bad embargo", "non-numeric session", "unknown session", "long message"])
def test_bad_input_is_shown_again_with_an_error_and_nothing_is_stored(client, auth, overrides, message):
    auth.log_in_new_user(role="analyst")
    response = client.post("/notes/new", data=_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error"' in page and message in page
    assert _count(Note) == 0 and _count(NoteRevision) == 0


def test_bad_input_on_edit_changes_nothing(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, title="Kept title", body="Kept body.")
    db.session.commit()
    response = client.post(f"/notes/{note.id}/edit", data=_form(title="", body="Lost body."))
    assert response.status_code == 200 and "Give the note a title." in response.get_data(as_text=True)
    db.session.expire_all()
    assert (note.title, note.body, len(_revisions(note))) == ("Kept title", "Kept body.", 1)


def test_preview_button_stores_nothing(client, auth):
    auth.log_in_new_user(role="analyst")
    response = client.post("/notes/new", data=_form(body="**Bold**", preview="1"))
    assert "<strong>Bold</strong>" in response.get_data(as_text=True)
    assert _count(Note) == 0


def test_embargo_is_read_in_the_writers_time_zone_and_stored_in_utc(client, auth):
    auth.log_in_new_user(role="analyst", timezone="Europe/Berlin")
    client.post("/notes/new", data=_form(embargo_until="2030-07-01T14:00"))
    (note,) = db.session.scalars(select(Note)).all()
    assert note.embargo_until == datetime(2030, 7, 1, 12, 0, tzinfo=UTC)


def test_a_new_title_gets_a_new_address_and_the_old_one_redirects(client, auth):
    writer = auth.log_in_new_user(role="analyst")
    note = make_note(author=writer, title="Old title")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit", data=_form(title="New title"))
    response = client.get(f"/notes/{note.id}-old-title")
    assert response.status_code == 301
    assert urlsplit(response.headers["Location"]).path == f"/notes/{note.id}-new-title"
