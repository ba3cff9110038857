"""Attachments: real files are stored under random names and served with the right headers to readers
only; oversized, mislabelled, empty, unnamed and path-traversing uploads are refused or made safe."""
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from community.db import db
from community.notes.files import MAX_BYTES
from community.notes.models import Attachment
from tests.factories import make_attachment, make_note, make_user
from tests.notes.helpers import (
    CSV,
    ELF,
    EXE,
    HTML,
    PDF,
    attachment_folder,
    download,
    office,
    png,
    stored_files,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]+$")
NOT_ALLOWED = "Only PDF, PowerPoint, Excel, Word, CSV and image files"


@pytest.fixture
def writer(auth):
    """An analyst, logged in, with a public note to attach files to."""
    analyst = make_user(role="analyst")
    note = make_note(author=analyst, visibility="public")
    db.session.commit()
    auth.login(analyst)
    return note


def _upload(client, note, filename: str, data: bytes):
    """POST one file (encoded in memory: the test client would spool a large one to an unclosed
    temporary file)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post(f"/notes/{note.id}/attachments", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _count() -> int:
    return db.session.scalar(select(func.count(Attachment.id)))


def _url(row) -> str:
    return f"/notes/{row.note_id}/files/{row.id}/{row.filename}"


def _assert_nothing_stored():
    assert _count() == 0
    assert stored_files() == []


# Accepted files -------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "data", "content_type"), [
    ("figures.pdf", PDF, "application/pdf"),
    ("chart.png", png(), "image/png"),
    ("model.xlsx", office("xl/"), XLSX),
    ("deck.pptx", office("ppt/"), PPTX),
    ("brief.docx", office("word/"), DOCX),
    ("survey.csv", CSV, "text/csv"),
], ids=["pdf", "png", "xlsx", "pptx", "docx", "csv"])
def test_real_file_is_stored_under_a_random_name_with_its_detected_type(client, writer, filename, data,
                                                                       content_type):
    response = _upload(client, writer, filename, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    (row,) = db.session.scalars(select(Attachment)).all()
    assert (row.note_id, row.filename, row.content_type, row.size) == (writer.id, filename, content_type,
                                                                       len(data))
    (stored,) = stored_files()
    assert stored.name == row.stored_name and RANDOM_NAME.match(stored.name)
    assert filename.rsplit(".", 1)[0] not in stored.name
    assert stored.read_bytes() == data


def test_attached_file_is_confirmed_and_listed_on_the_note(client, writer):
    response = _upload(client, writer, "figures.pdf", PDF)
    assert response.headers["Location"].endswith(f"/notes/{writer.id}/edit#attachments")
    assert "figures.pdf is attached." in client.get(f"/notes/{writer.id}/edit").get_data(as_text=True)
    assert "figures.pdf" in client.get(f"/notes/{writer.id}-{writer.slug}").get_data(as_text=True)


def test_two_uploads_of_the_same_name_are_stored_apart(client, writer):
    _upload(client, writer, "figures.pdf", PDF)
    _upload(client, writer, "figures.pdf", PDF + b"% second\n")
    assert len({p.name for p in stored_files()}) == 2 and _count() == 2


# Refused files --------------------------------------------------------------------------------


def test_oversized_file_is_refused_with_nothing_stored(client, writer):
    data = PDF + b"0" * (MAX_BYTES + 1 - len(PDF))
    response = _upload(client, writer, "huge.pdf", data)
    assert response.status_code == 400
    assert "The file is larger than 15 MB." in response.get_data(as_text=True)
    _assert_nothing_stored()


def test_file_at_the_size_limit_is_accepted(client, writer):
    data = PDF + b"0" * (MAX_BYTES - len(PDF))
    assert _upload(client, writer, "big.pdf", data).status_code == 302
    assert _count() == 1


def test_request_beyond_the_request_limit_is_refused_with_nothing_stored(client, writer):
    response = _upload(client, writer, "huge.pdf", PDF + b"0" * (17 * 1024 * 1024))
    assert response.status_code == 413 and "Too large" in response.get_data(as_text=True)
    _assert_nothing_stored()


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("report.pdf", png(), "The file's content is PNG, which does not match its name “report.pdf”."),
    ("figures.png", PDF, "The file's content is PDF, which does not match its name “figures.png”."),
    ("slides.pdf", HTML, NOT_ALLOWED),
    ("page.html", HTML, NOT_ALLOWED),
    ("tool.exe", ELF, NOT_ALLOWED),
    ("report.pdf", ELF, NOT_ALLOWED),
    ("setup.exe", EXE, NOT_ALLOWED),
    ("slides.pptx", EXE, NOT_ALLOWED),
    ("drawing.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='window.__pwned=1'/>", NOT_ALLOWED),
    ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='window.__pwned=1'/>", NOT_ALLOWED),
    ("model.xlsx", b"PK\x05\x06" + b"\x00" * 18, NOT_ALLOWED),
    ("survey.csv", b"a,b\n1,\x00\x01\x02\n", NOT_ALLOWED),
    ("survey.csv", "région;prix\n".encode("latin-1") + b"\xff\xfe", NOT_ALLOWED),
], ids=["png as pdf", "pdf as png", "html as pdf", "html", "elf as exe", "elf as pdf", "windows exe",
        "exe as pptx", "svg as png", "svg", "empty zip as xlsx", "binary as csv", "not utf-8 csv"])
def test_mislabelled_or_unsupported_file_is_refused_with_nothing_stored(client, writer, filename, data,
                                                                       message):
    response = _upload(client, writer, filename, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'") and 'class="error"' in page
    _assert_nothing_stored()


def test_spreadsheet_named_as_slides_is_refused_with_nothing_stored(client, writer):
    response = _upload(client, writer, "deck.pptx", office("xl/"))
    assert response.status_code == 400
    assert "does not match its name “deck.pptx”" in response.get_data(as_text=True)
    _assert_nothing_stored()


def test_empty_file_is_refused_with_nothing_stored(client, writer):
    response = _upload(client, writer, "empty.pdf", b"")
    assert response.status_code == 400 and "The file is empty." in response.get_data(as_text=True)
    _assert_nothing_stored()


@pytest.mark.parametrize("filename", ["report", "....", ".pdf"])
def test_file_name_without_an_extension_is_refused_with_nothing_stored(client, writer, filename):
    response = _upload(client, writer, filename, PDF)
    assert response.status_code == 400
    assert "The file needs a name with an extension, like slides.pdf." in response.get_data(as_text=True)
    _assert_nothing_stored()


def test_upload_without_a_file_is_refused(client, writer):
    response = client.post(f"/notes/{writer.id}/attachments", content_type="multipart/form-data", data={})
    assert response.status_code == 400 and "Choose a file to attach." in response.get_data(as_text=True)
    _assert_nothing_stored()


@pytest.mark.parametrize("role", ["member", "analyst"], ids=["member", "another analyst"])
def test_only_authors_and_organisers_attach_files(client, auth, role):
    note = make_note(visibility="public")
    intruder = make_user(role=role)
    db.session.commit()
    auth.login(intruder)
    assert _upload(client, note, "figures.pdf", PDF).status_code == 403
    _assert_nothing_stored()


def test_anonymous_upload_is_sent_to_log_in(client):
    note = make_note(visibility="public")
    db.session.commit()
    response = _upload(client, note, "figures.pdf", PDF)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    _assert_nothing_stored()


# Unsafe names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "clean"), [
    ("../../etc/passwd.pdf", "etc_passwd.pdf"),
    ("/etc/passwd.pdf", "etc_passwd.pdf"),
    ("..\\..\\windows\\passwd.pdf", "windowspasswd.pdf"),
    ("report; filename=evil.html.pdf", "report_filenameevil.html.pdf"),
    ("<script>alert(1)</script>.pdf", "scriptalert1_script.pdf"),
], ids=["relative traversal", "absolute path", "windows traversal", "second file name", "markup"])
def test_unsafe_file_name_is_stored_under_a_random_name_and_downloaded_under_a_clean_one(
        client, writer, tmp_path, filename, clean):
    assert _upload(client, writer, filename, PDF).status_code == 302
    (row,) = db.session.scalars(select(Attachment)).all()
    (stored,) = stored_files()
    assert row.filename == clean
    assert RANDOM_NAME.match(row.stored_name) and stored.parent == attachment_folder()
    assert [p for p in tmp_path.rglob("*passwd*")] == []
    response = download(client, _url(row))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"inline; filename={clean}"


def test_file_named_in_another_script_is_accepted_with_a_readable_name(client, writer):
    response = _upload(client, writer, "Ελληνικά στοιχεία.pdf", PDF)
    assert response.status_code == 302, "a PDF with a Greek name is a PDF with an extension"
    (row,) = db.session.scalars(select(Attachment)).all()
    assert row.filename.endswith(".pdf") and len(row.filename) > len(".pdf")


def test_accented_file_name_keeps_its_letters(client, writer):
    assert _upload(client, writer, "Données clés.pdf", PDF).status_code == 302
    (row,) = db.session.scalars(select(Attachment)).all()
    assert row.filename == "Donnees_cles.pdf"


# Downloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "data", "content_type", "disposition"), [
    ("figures.pdf", PDF, "application/pdf", "inline"),
    ("chart.png", png(), "image/png", "inline"),
    ("model.xlsx", office("xl/"), XLSX, "attachment"),
    ("deck.pptx", office("ppt/"), PPTX, "attachment"),
    ("brief.docx", office("word/"), DOCX, "attachment"),
    ("survey.csv", CSV, "text/csv", "attachment"),
], ids=["pdf", "png", "xlsx", "pptx", "docx", "csv"])
def test_download_has_the_right_content_type_and_disposition(client, writer, filename, data, content_type,
                                                              disposition):
    row = make_attachment(writer, filename=filename, data=data)
    db.session.commit()
    response = download(client, _url(row))
    assert response.status_code == 200 and response.get_data() == data
    assert response.mimetype == content_type
    assert response.headers["Content-Disposition"] == f"{disposition}; filename={filename}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_download_name_comes_from_the_note_not_from_the_address(client, writer):
    row = make_attachment(writer, filename="figures.pdf", data=PDF)
    db.session.commit()
    response = download(client, f"/notes/{writer.id}/files/{row.id}/evil.html")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=figures.pdf"


def test_attachment_of_another_note_gives_404(client, writer):
    other = make_note(author=writer.authors[0], title="Another note", visibility="public")
    row = make_attachment(other, filename="figures.pdf", data=PDF)
    db.session.commit()
    response = download(client, f"/notes/{writer.id}/files/{row.id}/figures.pdf")
    assert response.status_code == 404 and PDF not in response.get_data()


def test_unknown_attachment_gives_404(client, writer):
    assert download(client, f"/notes/{writer.id}/files/999/figures.pdf").status_code == 404


@pytest.mark.parametrize(("visibility", "viewer", "status"), [
    ("draft", "member", 404),
    ("members", "anonymous", 302),
    ("members", "unconfirmed", 403),
], ids=["draft to a member", "members' note to a visitor", "members' note to the unconfirmed"])
def test_download_is_refused_to_those_who_may_not_read_the_note(client, auth, visibility, viewer, status):
    note = make_note(visibility=visibility)
    row = make_attachment(note, filename="figures.pdf", data=PDF)
    user = {"member": make_user, "unconfirmed": lambda: make_user(confirmed=False),
            "anonymous": lambda: None}[viewer]()
    db.session.commit()
    if user is not None:
        auth.login(user)
    response = download(client, _url(row))
    assert response.status_code == status and PDF not in response.get_data()


def test_removing_an_attachment_deletes_its_row_and_its_file(client, writer):
    _upload(client, writer, "figures.pdf", PDF)
    (row,) = db.session.scalars(select(Attachment)).all()
    response = client.post(f"/notes/{writer.id}/attachments/{row.id}/delete")
    assert response.status_code == 302
    assert _count() == 0
    assert stored_files() == [], "the file of a removed attachment must not stay on disk"


def test_another_analyst_may_not_remove_an_attachment(client, auth):
    note = make_note(visibility="public")
    row = make_attachment(note)
    intruder = make_user(role="analyst")
    db.session.commit()
    auth.login(intruder)
    assert client.post(f"/notes/{note.id}/attachments/{row.id}/delete").status_code == 403
    assert _count() == 1 and len(stored_files()) == 1
