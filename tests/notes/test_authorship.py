"""Authorship grants a note's writing rights only while the role does (analyst or organiser)."""
import pytest
from sqlalchemy import func, select

from community.accounts import services as accounts
from community.core.errors import DomainError
from community.db import db
from community.notes import services
from community.notes.models import Attachment, NoteRevision
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
