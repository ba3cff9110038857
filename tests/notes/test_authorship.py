"""Authorship grants a note's writing rights only while the role does (analyst or organiser),
and only organisers and the note's creator change who its authors are."""
import html

import pytest
from sqlalchemy import func, select

from community.accounts import services as accounts
from community.core.errors import DomainError
from community.db import db
from community.notes import services
from community.notes.models import Attachment, Note, NoteRevision
from tests.factories import make_attachment, make_note, make_user
from tests.notes.helpers import PDF, download, stored_files


def _demoted_author(visibility: str):
    """A note (two revisions, one attachment) whose author was then made a plain member."""
    organiser = make_user(role="organiser")
    author = make_user(role="analyst", name="Dana Demoted")
    note = make_note(author=author, visibility=visibility, body="First.")
    services.update(author, note, body="Second.", message="More")
    row = make_attachment(note, filename="figures.pdf", data=PDF)
    accounts.set_role(organiser, author, "member")
    db.session.commit()
    return author, note, row


def _paths(note, row) -> dict[str, tuple[str, str]]:
    """Every page of a note that an author may reach: (method, path)."""
    return {
        "note": ("get", f"/notes/{note.id}-{note.slug}"),
        "edit": ("get", f"/notes/{note.id}/edit"),
        "history": ("get", f"/notes/{note.id}/history"),
        "diff": ("get", f"/notes/{note.id}/diff?from=1&to=2"),
        "attachment": ("get", f"/notes/{note.id}/files/{row.id}/{row.filename}"),
        "delete attachment": ("post", f"/notes/{note.id}/attachments/{row.id}/delete"),
        "restore": ("post", f"/notes/{note.id}/restore/1"),
        "upload": ("post", f"/notes/{note.id}/attachments"),
    }


#: What a demoted author gets on each page of a draft, and of a note published for members.
DRAFT = {"note": 404, "edit": 404, "history": 404, "diff": 404, "attachment": 404,
         "delete attachment": 404, "restore": 404, "upload": 404}
MEMBERS = {"note": 200, "edit": 403, "history": 403, "diff": 403, "attachment": 200,
           "delete attachment": 403, "restore": 403, "upload": 403}


@pytest.mark.parametrize(("visibility", "expected"), [("draft", DRAFT), ("members", MEMBERS)])
def test_demoted_analyst_keeps_no_writing_rights_over_the_notes_they_wrote(
        client, auth, visibility, expected):
    author, note, row = _demoted_author(visibility)
    auth.login(author)
    got = {}
    for name, (method, path) in _paths(note, row).items():
        response = download(client, path) if method == "get" else client.post(path)
        got[name] = response.status_code
    assert got == expected
    assert db.session.scalar(select(func.count(Attachment.id))) == 1 and len(stored_files()) == 1
    assert db.session.scalar(select(func.count(NoteRevision.id))) == 2


def test_demoted_analyst_no_longer_counts_as_an_editor(app):
    author, note, _ = _demoted_author("draft")
    with pytest.raises(DomainError, match="Only analysts and organisers"):
        services.update(author, note, body="Sneaky.")
    assert note.body == "Second."


def _co_written():
    """A draft Cara created, with Ben as co-author."""
    creator = make_user(role="analyst", name="Cara Creator")
    co_author = make_user(role="analyst", name="Ben Coauthor")
    note = make_note(author=creator, authors=[co_author], visibility="draft", body="Ours.")
    db.session.commit()
    return creator, co_author, note


def _authors(note) -> list[str]:
    db.session.expire_all()
    return sorted(a.name for a in db.session.get(Note, note.id).authors)


def _edit_form(note, authors, body="Ours, edited.") -> dict:
    return {"title": note.title, "body": body, "kind": "pre_read", "visibility": "draft",
            "authors": [str(a.id) for a in authors]}


def test_co_author_may_not_remove_the_other_authors(client, auth):
    creator, co_author, note = _co_written()
    auth.login(co_author)
    form_page = html.unescape(client.get(f"/notes/{note.id}/edit").get_data(as_text=True))
    assert "Only organisers and the note's creator change its authors." in form_page
    response = client.post(f"/notes/{note.id}/edit", data=_edit_form(note, [co_author]))
    assert response.status_code == 200
    assert "Only organisers and the note's creator can change its authors." in html.unescape(
        response.get_data(as_text=True))
    assert _authors(note) == ["Ben Coauthor", "Cara Creator"]
    saved = db.session.get(Note, note.id)
    assert saved.body == "Ours." and len(services.revisions(saved)) == 1
    auth.logout()
    auth.login(creator)
    assert client.get(f"/notes/{note.id}/edit").status_code == 200


def test_co_author_may_not_add_authors_either(app):
    _, co_author, note = _co_written()
    newcomer = make_user(role="analyst")
    with pytest.raises(DomainError, match="Only organisers and the note's creator"):
        services.update(co_author, note, authors=[*note.authors, newcomer])


def test_co_author_saves_the_content_when_the_authors_stay_as_they_are(client, auth):
    creator, co_author, note = _co_written()
    auth.login(co_author)
    response = client.post(f"/notes/{note.id}/edit", data=_edit_form(note, [creator, co_author]))
    assert response.status_code == 302
    assert db.session.get(Note, note.id).body == "Ours, edited."
    assert _authors(note) == ["Ben Coauthor", "Cara Creator"]


@pytest.mark.parametrize("who", ["creator", "organiser"])
def test_creator_and_organisers_change_the_authors(client, auth, who):
    creator, co_author, note = _co_written()
    actor = creator if who == "creator" else make_user(role="organiser")
    db.session.commit()
    auth.login(actor)
    response = client.post(f"/notes/{note.id}/edit", data=_edit_form(note, [creator]))
    assert response.status_code == 302
    assert _authors(note) == ["Cara Creator"]


def test_the_writer_of_a_note_is_its_creator(app):
    creator, _, note = _co_written()
    assert note.created_by_id == creator.id
