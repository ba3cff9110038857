"""Attachment storage: content-checked types, a size limit, random names on disk."""
import io
import uuid
import zipfile
from pathlib import Path

import filetype
from flask import current_app
from werkzeug.utils import secure_filename

from community.core.errors import DomainError

MAX_BYTES = 15 * 1024 * 1024
#: Detected type -> (content type to serve, extensions the file name may have).
ALLOWED = {
    "application/pdf": ("application/pdf", {"pdf"}),
    "image/png": ("image/png", {"png"}),
    "image/jpeg": ("image/jpeg", {"jpg", "jpeg"}),
    "image/gif": ("image/gif", {"gif"}),
    "image/webp": ("image/webp", {"webp"}),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", {"pptx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {"docx"}),
    "text/csv": ("text/csv", {"csv"}),
}
OFFICE_FOLDERS = {"ppt/": "pptx", "xl/": "xlsx", "word/": "docx"}
#: What `filetype` reports for Office Open XML files; their real kind is read from the zip.
OFFICE_MIME = {content_type for content_type, _ in (ALLOWED["pptx"], ALLOWED["xlsx"], ALLOWED["docx"])}
INLINE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def folder() -> Path:
    """Where attachments live (inside the instance folder, never under static/)."""
    path = Path(current_app.instance_path) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _office_kind(data: bytes) -> str | None:
    """pptx/xlsx/docx for an Office Open XML zip, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in OFFICE_FOLDERS.items():
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def _csv(data: bytes) -> bool:
    """Plain UTF-8 text with no NUL bytes, read as CSV."""
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect(filename: str, data: bytes) -> tuple[str, str]:
    """(clean file name, content type to serve); DomainError for anything not allowed."""
    if not data:
        raise DomainError("The file is empty.", "file")
    if len(data) > MAX_BYTES:
        raise DomainError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", "file")
    original = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    stem = original.rsplit(".", 1)[0].strip(" .") if "." in original else ""
    if not stem or not extension or not extension.isascii() or not extension.isalnum():
        raise DomainError("The file needs a name with an extension, like slides.pdf.", "file")
    clean = secure_filename(filename or "")[:150]
    if not clean.lower().endswith("." + extension) or clean.lower() == extension:
        # A name written only in non-Latin letters cleans down to nothing: keep the extension.
        clean = f"attachment.{extension}"
    guess = filetype.guess(data)
    kind = guess.mime if guess else None
    if kind in OFFICE_MIME or kind == "application/zip" or (kind is None and data[:2] == b"PK"):
        kind = _office_kind(data)
    elif kind is None and extension == "csv" and _csv(data):
        kind = "text/csv"
    if kind not in ALLOWED:
        raise DomainError("Only PDF, PowerPoint, Excel, Word, CSV and image files (PNG, JPEG, GIF, "
                          "WebP) can be attached.", "file")
    content_type, extensions = ALLOWED[kind]
    if extension not in extensions:
        raise DomainError(f"The file's content is {kind.split('/')[-1].upper()}, which does not match "
                          f"its name “{clean}”.", "file")
    return clean, content_type


def store(data: bytes, extension: str) -> str:
    """Write the bytes under a new random name and return it."""
    name = f"{uuid.uuid4().hex}.{extension}"
    (folder() / name).write_bytes(data)
    return name


def path_of(stored_name: str) -> Path:
    """The file on disk for a stored name (which the database, not the user, provides)."""
    path = (folder() / stored_name).resolve()
    if path.parent != folder().resolve():
        raise DomainError("Unknown attachment.")
    return path


def discard(stored_name: str) -> None:
    """Delete a stored file (after the database no longer points to it)."""
    try:
        path_of(stored_name).unlink(missing_ok=True)
    except DomainError:
        return
