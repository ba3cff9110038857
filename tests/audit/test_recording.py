"""Each organiser and analyst action is recorded (who, when, what, on which session, before and
after), through the real pages and services; members' own changes and the system's are not;
and an entry lives or dies with the change's transaction."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.audit.models import AuditEntry
from community.core import signals
from community.core.errors import DomainError
from community.core.web import attempt
from community.db import db, utcnow
from community.notes.models import Note
from community.sessions import services as sessions
from community.sessions.models import SessionStatus
from community.signups import services as signups
from community.signups.models import Registration
from tests.admin.helpers import NOW, THURSDAY_2PM, session_form
from tests.factories import make_note, make_poll, make_session, make_user

pytestmark = pytest.mark.usefixtures("frozen_time")


def entries(kind: str | None = None) -> list[AuditEntry]:
    """The log's entries (of one kind), oldest first, read afresh."""
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if kind is not None:
        query = query.where(AuditEntry.kind == kind)
    return list(db.session.scalars(query))


def only(kind: str) -> AuditEntry:
    """The one entry of this kind."""
    found = entries(kind)
    assert len(found) == 1, [e.kind for e in entries()]
    return found[0]


def form_for(session, **overrides) -> dict:
    """The session's edit form as it stands, with these fields changed."""
    return session_form(**{"date": "2027-01-14", "capacity": str(session.capacity), "title": session.title,
                           **overrides})


# Sessions ----------------------------------------------------------------------------------

def test_publishing_a_session_is_recorded(client, organiser):
    draft = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT, title="AI at work")
    db.session.commit()
    assert client.post(f"/admin/sessions/{draft.id}/publish").status_code == 302
    entry = only("session.published")
    assert (entry.actor_id, entry.actor_name, entry.session_id) == (organiser.id, "Olga Organiser", draft.id)
    assert (entry.target_type, entry.target_id, entry.target_label) == ("session", draft.id, "AI at work")
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": "published"})
    assert entry.at == NOW


def test_moving_a_session_is_recorded_with_the_old_and_new_times(client, organiser, roundtable):
    response = client.post(f"/admin/sessions/{roundtable.id}/edit",
                           data=form_for(roundtable, start_time="16:00", end_time="17:00"))
    assert response.status_code == 302
    entry = only("session.moved")
    assert entry.session_id == roundtable.id and entry.actor_id == organiser.id
    assert entry.before == {"starts_at": "2027-01-14T14:00:00+00:00", "ends_at": "2027-01-14T15:00:00+00:00"}
    assert entry.after == {"starts_at": "2027-01-14T16:00:00+00:00", "ends_at": "2027-01-14T17:00:00+00:00"}
    assert entries("session.capacity_changed") == [] and entries("session.edited") == []


def test_a_capacity_change_is_recorded(client, organiser, roundtable):
    client.post(f"/admin/sessions/{roundtable.id}/edit", data={**form_for(roundtable), "capacity": "12"})
    entry = only("session.capacity_changed")
    assert (entry.before, entry.after) == ({"capacity": 2}, {"capacity": 12})
    assert entry.summary == "Seats changed from 2 to 12"


def test_other_edits_are_recorded_with_each_field(client, organiser, roundtable):
    client.post(f"/admin/sessions/{roundtable.id}/edit",
                data=form_for(roundtable, title="AI at work, again", format="hybrid", venue="Room 4"))
    entry = only("session.edited")
    assert entry.before == {"title": "AI at work", "format": "online", "venue": ""}
    assert entry.after == {"title": "AI at work, again", "format": "hybrid", "venue": "Room 4"}
    assert entry.target_label == "AI at work, again"


def test_editing_a_draft_is_recorded_too(client, organiser):
    draft = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT, title="AI at work")
    db.session.commit()
    client.post(f"/admin/sessions/{draft.id}/edit", data={**form_for(draft), "capacity": "20"})
    entry = only("session.capacity_changed")
    assert entry.summary.endswith("(draft)") and entry.after == {"capacity": 20}


def test_changing_the_hosts_records_their_names(app, roundtable):
    olga = make_user(role="organiser", name="Olga Organiser")
    ann = make_user(role="analyst", name="Ann Analyst")
    sessions.update_session(olga, roundtable, hosts=[ann])
    entry = only("session.edited")
    assert (entry.before, entry.after) == ({"hosts": []}, {"hosts": ["Ann Analyst"]})


def test_cancelling_a_session_is_recorded(client, organiser, roundtable):
    client.post(f"/admin/sessions/{roundtable.id}/cancel")
    entry = only("session.cancelled")
    assert (entry.before, entry.after) == ({"status": "published"}, {"status": "cancelled"})
    assert entry.session_id == roundtable.id and entry.actor_id == organiser.id


# People ------------------------------------------------------------------------------------

def test_a_role_change_is_recorded(client, organiser):
    member = make_user(name="Ada Lovelace")
    db.session.commit()
    client.post(f"/admin/members/{member.id}/role", data={"role": "analyst"})
    entry = only("user.role_changed")
    assert (entry.target_type, entry.target_id, entry.target_label) == ("user", member.id, "Ada Lovelace")
    assert (entry.before, entry.after) == ({"role": "member"}, {"role": "analyst"})
    assert entry.session_id is None and entry.actor_id == organiser.id


def test_saving_the_same_role_records_nothing(client, organiser):
    member = make_user()
    db.session.commit()
    client.post(f"/admin/members/{member.id}/role", data={"role": "member"})
    assert entries() == []


def test_a_deactivation_and_reactivation_are_recorded(app):
    olga = make_user(role="organiser", name="Olga Organiser")
    member = make_user(name="Ada Lovelace")
    signals.account_deactivated.send(member, actor=olga)
    signals.account_reactivated.send(member, actor=olga)
    off, on = entries()
    assert (off.kind, off.target_label, off.actor_id) == ("account.deactivated", "Ada Lovelace", olga.id)
    assert (off.before, off.after) == ({"status": "active"}, {"status": "deactivated"})
    assert (on.kind, on.before, on.after) == ("account.reactivated", {"status": "deactivated"},
                                              {"status": "active"})


def test_deactivating_and_reactivating_through_the_members_page_are_recorded(client, organiser):
    member = make_user(name="Ada Lovelace")
    db.session.commit()
    assert client.post(f"/admin/members/{member.id}/deactivate").status_code == 302
    assert client.post(f"/admin/members/{member.id}/reactivate").status_code == 302
    assert [(e.kind, e.actor_id, e.target_id) for e in entries()] == [
        ("account.deactivated", organiser.id, member.id), ("account.reactivated", organiser.id, member.id)]


# Seats -------------------------------------------------------------------------------------

def test_a_seat_added_by_an_organiser_is_recorded(client, organiser, roundtable):
    make_user(email="ada@example.com", name="Ada Lovelace")
    db.session.commit()
    client.post(f"/admin/sessions/{roundtable.id}/attendees", data={"email": "ada@example.com"})
    entry = only("seat.added")
    reg = db.session.scalar(select(Registration))
    assert (entry.session_id, entry.target_type, entry.target_id) == (roundtable.id, "registration", reg.id)
    assert (entry.target_label, entry.before, entry.after) == ("Ada Lovelace", None, {"status": "confirmed"})


def test_a_held_seat_for_a_newcomer_is_recorded(client, organiser, roundtable):
    client.post(f"/admin/sessions/{roundtable.id}/attendees", data={"email": "new@example.com"})
    entry = only("seat.added")
    assert entry.target_label == "new@example.com (invited)" and entry.after == {"status": "confirmed"}


def test_a_removal_is_recorded_but_not_the_promotion_it_causes(client, organiser, roundtable):
    ada, bob, cleo = (make_user(name=n) for n in ("Ada", "Bob", "Cleo"))
    regs = [signups.sign_up(person, roundtable) for person in (ada, bob, cleo)]
    db.session.commit()
    client.post(f"/admin/sessions/{roundtable.id}/attendees/{regs[0].id}/remove")
    entry = only("seat.removed")
    assert (entry.target_id, entry.target_label) == (regs[0].id, "Ada")
    assert (entry.before, entry.after) == ({"status": "confirmed"}, {"status": "cancelled"})
    db.session.refresh(regs[2])
    assert regs[2].status == "confirmed"  # Cleo moved up on her own: the system's doing
    assert entries("seat.promoted") == []


def test_a_promotion_by_an_organiser_is_recorded(client, organiser, roundtable):
    people = [make_user(name=n) for n in ("Ada", "Bob", "Cleo")]
    regs = [signups.sign_up(person, roundtable) for person in people]
    db.session.commit()
    client.post(f"/admin/sessions/{roundtable.id}/attendees/{regs[2].id}/promote")
    entry = only("seat.promoted")
    assert (entry.target_label, entry.session_id) == ("Cleo", roundtable.id)
    assert (entry.before, entry.after) == ({"status": "waitlisted"}, {"status": "confirmed"})


def test_members_signing_up_and_cancelling_themselves_are_not_recorded(client, auth, roundtable):
    member = auth.log_in_new_user(name="Ada")
    client.post(f"/sessions/{roundtable.id}/signup")
    client.post(f"/sessions/{roundtable.id}/cancel")
    reg = db.session.scalar(select(Registration).where(Registration.user_id == member.id))
    assert reg.status == "cancelled"
    assert entries() == []


def test_attendance_marked_and_unmarked_are_recorded(app, roundtable):
    olga = make_user(role="organiser", name="Olga Organiser")
    reg = signups.sign_up(make_user(name="Ada Lovelace"), roundtable)
    signals.attendance_marked.send(reg, actor=olga, attended=True, source="check-in")
    signals.attendance_marked.send(reg, actor=olga, attended=False, source="check-in")
    marked, unmarked = entries()
    assert (marked.kind, marked.session_id, marked.target_id) == ("attendance.marked", roundtable.id, reg.id)
    assert (marked.before, marked.after) == ({"attended": False}, {"attended": True, "source": "check-in"})
    assert (unmarked.kind, unmarked.before, unmarked.after) == (
        "attendance.unmarked", {"attended": True, "source": "check-in"}, {"attended": False, "source": ""})


def test_checking_in_through_the_check_in_page_is_recorded(client, organiser):
    today = make_session(starts_at=NOW + timedelta(hours=1), title="AI at work")
    reg = signups.sign_up(make_user(name="Ada Lovelace"), today)
    db.session.commit()
    base = f"/sessions/{today.id}/check-in/{reg.id}"
    assert client.post(f"{base}/attend").status_code == 302
    assert client.post(f"{base}/undo").status_code == 302
    marked, unmarked = entries()
    assert (marked.kind, marked.actor_id, marked.session_id, marked.target_label) == (
        "attendance.marked", organiser.id, today.id, "Ada Lovelace")
    assert marked.after == {"attended": True, "source": "check-in"}
    assert (unmarked.kind, unmarked.after) == ("attendance.unmarked", {"attended": False, "source": ""})


def test_a_member_checking_in_is_not_recorded(app, roundtable):
    member = make_user(name="Ada Lovelace")
    reg = signups.sign_up(member, roundtable)
    signals.attendance_marked.send(reg, actor=member, attended=True, source="check-in")
    signals.attendance_marked.send(reg, actor=None, attended=True, source="teams")
    assert entries() == []


# Messages ----------------------------------------------------------------------------------

def test_a_message_to_the_attendees_is_recorded(client, organiser, roundtable):
    client.post(f"/admin/sessions/{roundtable.id}/message",
                data={"subject": "Change of room", "body": "We moved upstairs.", "include_waitlist": "y"})
    entry = only("message.sent")
    assert (entry.session_id, entry.target_type, entry.target_label) == (roundtable.id, "message",
                                                                         "Change of room")
    assert entry.after == {"subject": "Change of room", "recipients": "confirmed attendees and the waitlist"}
    assert entry.summary == "Emailed the confirmed attendees and the waitlist"


def test_the_follow_up_is_recorded_as_a_message(client, organiser, roundtable):
    make_note(visibility="public", sessions=[roundtable], title="What the room concluded")
    db.session.commit()
    assert client.post(f"/admin/sessions/{roundtable.id}/follow-up").status_code == 302
    entry = only("message.sent")
    assert entry.target_label.startswith("Follow-up") and entry.actor_id == organiser.id
    assert entry.session_id == roundtable.id


# Notes -------------------------------------------------------------------------------------

def note_form(**overrides) -> dict:
    """A valid note form, as the browser sends it."""
    data = {"title": "Data maturity", "summary": "Short.", "body": "## Why", "kind": "pre_read",
            "visibility": "public", "message": ""}
    data.update(overrides)
    return data


def test_publishing_a_note_is_recorded_with_its_analyst(client, auth, roundtable):
    analyst = auth.log_in_new_user(role="analyst", name="Ann Analyst")
    client.post("/notes/new", data=note_form(visibility="members", sessions=[str(roundtable.id)]))
    entry = only("note.published")
    assert (entry.actor_id, entry.actor_name, entry.session_id) == (analyst.id, "Ann Analyst", roundtable.id)
    assert (entry.target_type, entry.target_label) == ("note", "Data maturity")
    assert (entry.before, entry.after) == (None, {"visibility": "members"})


def test_a_draft_note_records_nothing_until_it_is_published(client, auth):
    auth.log_in_new_user(role="analyst")
    client.post("/notes/new", data=note_form(visibility="draft"))
    assert entries() == []
    note = db.session.scalar(select(Note))
    client.post(f"/notes/{note.id}/edit", data=note_form(visibility="public"))
    entry = only("note.published")
    assert (entry.before, entry.after) == ({"visibility": "draft"}, {"visibility": "public"})


def test_embargoing_a_note_is_recorded(client, auth):
    analyst = auth.log_in_new_user(role="analyst", timezone="Europe/Paris")
    note = make_note(author=analyst, visibility="public")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit", data=note_form(embargo_until="2027-01-10T10:00"))
    entry = only("note.embargoed")
    assert (entry.before, entry.after) == ({"embargo_until": None},
                                           {"embargo_until": "2027-01-10T09:00:00+00:00"})
    assert entry.summary == "Embargo set" and entries("note.visibility_changed") == []


def test_changing_who_may_read_a_note_is_recorded(client, auth):
    analyst = auth.log_in_new_user(role="analyst")
    note = make_note(author=analyst, visibility="public")
    db.session.commit()
    client.post(f"/notes/{note.id}/edit", data=note_form(visibility="members"))
    entry = only("note.visibility_changed")
    assert (entry.before, entry.after) == ({"visibility": "public"}, {"visibility": "members"})


def test_editing_a_note_without_changing_its_readers_records_nothing(client, auth):
    analyst = auth.log_in_new_user(role="analyst")
    note = make_note(author=analyst, visibility="public")
    db.session.commit()
    assert [e.kind for e in entries()] == ["note.published"]
    client.post(f"/notes/{note.id}/edit", data=note_form(body="## Now longer"))
    assert [e.kind for e in entries()] == ["note.published"]


# Polls -------------------------------------------------------------------------------------

def test_opening_and_closing_a_poll_are_recorded(client, organiser, roundtable):
    poll = make_poll(roundtable, status="draft", question="Worth it?")
    db.session.commit()
    base = f"/admin/sessions/{roundtable.id}/polls/{poll.id}"
    client.post(f"{base}/open")
    client.post(f"{base}/close")
    opened, closed = entries()
    assert (opened.kind, opened.session_id) == ("poll.opened", roundtable.id)
    assert opened.target_label == "Worth it?"
    assert (opened.before, opened.after) == ({"status": "draft", "round": 1}, {"status": "open", "round": 1})
    assert (closed.kind, closed.before, closed.after) == ("poll.closed", {"status": "open", "round": 1},
                                                          {"status": "closed", "round": 1})


def test_a_host_opening_the_live_round_is_recorded(client, auth, roundtable):
    host = auth.log_in_new_user(role="analyst", name="Hana Host")
    roundtable.hosts = [host]
    poll = make_poll(roundtable, status="closed", two_rounds=True)
    db.session.commit()
    assert client.post(f"/sessions/{roundtable.id}/polls/{poll.id}/live").status_code == 302
    entry = only("poll.opened")
    assert (entry.actor_name, entry.summary) == ("Hana Host", "Live round opened")
    assert entry.after == {"status": "open", "round": 2}


def test_publishing_and_hiding_a_polls_results_are_recorded(client, organiser, roundtable):
    poll = make_poll(roundtable, status="closed", question="Worth it?")
    db.session.commit()
    base = f"/admin/sessions/{roundtable.id}/polls/{poll.id}/results"
    client.post(f"{base}/publish")
    client.post(f"{base}/publish")
    client.post(f"{base}/hide")
    published, hidden = entries()
    assert (published.kind, published.session_id, published.target_type, published.target_id) == (
        "poll.results_published", roundtable.id, "poll", poll.id)
    assert (published.actor_name, published.target_label) == ("Olga Organiser", "Worth it?")
    assert published.summary == "Results published: anyone sees the counts"
    assert (published.before, published.after) == ({"results_public": False}, {"results_public": True})
    assert (hidden.kind, hidden.summary) == ("poll.results_hidden", "Results made private again")
    assert (hidden.before, hidden.after) == ({"results_public": True}, {"results_public": False})


def test_refusing_to_publish_an_open_poll_records_nothing(client, organiser, roundtable):
    poll = make_poll(roundtable, status="open")
    db.session.commit()
    client.post(f"/admin/sessions/{roundtable.id}/polls/{poll.id}/results/publish")
    assert entries() == []


def test_reopening_a_poll_with_published_results_says_they_are_private_again(client, organiser, roundtable):
    poll = make_poll(roundtable, status="closed", results_public=True)
    db.session.commit()
    client.post(f"/admin/sessions/{roundtable.id}/polls/{poll.id}/open")
    entry = only("poll.opened")
    assert entry.summary == "Reopened for answers; its published results are private again"
    assert (entry.before, entry.after) == ({"status": "closed", "round": 1, "results_public": True},
                                           {"status": "open", "round": 1, "results_public": False})


def test_the_log_names_the_results_kinds(client, organiser, roundtable):
    poll = make_poll(roundtable, status="closed")
    db.session.commit()
    client.post(f"/admin/sessions/{roundtable.id}/polls/{poll.id}/results/publish")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Poll results published" in page and "Results public" in page


# One transaction ---------------------------------------------------------------------------

def test_a_change_rolled_back_leaves_no_entry(app):
    olga = make_user(role="organiser")
    draft = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT)
    db.session.commit()
    with attempt(quiet=True) as outcome:
        sessions.publish(olga, draft)
        assert db.session.scalar(select(AuditEntry.kind)) == "session.published"  # in the transaction
        raise DomainError("Something later in the request went wrong.")
    assert not outcome.ok
    assert entries() == []
    assert db.session.get(type(draft), draft.id).status == SessionStatus.DRAFT


def test_a_refused_change_through_the_page_leaves_no_entry(client, organiser, roundtable):
    response = client.post(f"/admin/sessions/{roundtable.id}/edit",
                           data={**form_for(roundtable, date="2026-12-01"), "capacity": "9"})
    assert response.status_code == 200  # the form again, with "cannot be moved to a time in the past"
    assert entries() == []


def test_long_values_are_clipped_to_the_columns(app):
    olga = make_user(role="organiser", name="O" * 120)
    session = make_session(starts_at=utcnow() + timedelta(days=3))
    sessions.update_session(olga, session, title="T" * 200, description="D" * 5000)
    entry = only("session.edited")
    db.session.commit()
    assert len(entry.target_label) <= 255 and len(entry.after["description"]) == 2000
