"""Reading the participant lists that meeting tools export: a Microsoft Teams attendance report
and a Zoom participants export, into one list of (name, email) rows.

Teams writes its attendance report as sections ("1. Summary", "2. Participants", "3. In-Meeting
Activities"), tab-separated and usually UTF-16; older reports have a "Meeting Summary" and
"Full Name" instead. Zoom writes a comma-separated UTF-8 file whose participant table starts at
the row "Name (original name),User email,Join time,..." (after a block of meeting data when it
was exported "with meeting data"). A file in which no such table is found is refused, whole.
"""
import codecs
import csv
import io
from dataclasses import dataclass

from community.core.errors import DomainError
from community.core.forms import without_control_characters

#: Largest participant file read (a report of a few thousand rows is far smaller).
MAX_BYTES = 2 * 1024 * 1024
#: Most participant rows read from one file.
MAX_ROWS = 5000
TEAMS, ZOOM = "teams", "zoom"
TOOL_NAMES = {TEAMS: "Microsoft Teams", ZOOM: "Zoom"}
NOT_A_REPORT = ("This file is not a Teams attendance report or a Zoom participants export: no row "
                "names the columns Name, Email and a join time or duration. Download the "
                "participant list from the meeting again and upload the .csv file as it is.")


@dataclass(frozen=True)
class Participant:
    """One row of a participant list (a person who rejoined has several)."""

    name: str
    #: Lower-cased; "" when the row has none (a guest, a phone dial-in).
    email: str
    #: The row's line number in the file, for the organiser to find it.
    line: int
    #: Zoom: the row is time spent in the waiting room, not in the meeting.
    waiting_room: bool = False


@dataclass(frozen=True)
class ParticipantList:
    """The participant rows of one exported file and which tool wrote it."""

    tool: str
    rows: list[Participant]

    @property
    def tool_name(self) -> str:
        """The tool's name for people."""
        return TOOL_NAMES[self.tool]


def _decode(data: bytes) -> str:
    """The file's text: UTF-16 (Teams) or UTF-8 (Zoom) by their byte-order marks, UTF-16
    without one when every other byte is NUL, else UTF-8 or, failing that, Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif len(data) > 1 and data[1::2].count(0) > len(data) // 4:
        encodings = ["utf-16-le"]
    elif len(data) > 1 and data[0::2].count(0) > len(data) // 4:
        encodings = ["utf-16-be"]
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise DomainError("This file could not be read as text. Upload the .csv file the meeting tool "
                      "exported, without opening and saving it in another program first.")


def _delimiter(text: str) -> str:
    """Tab for Teams' reports, else comma (judged on the first lines)."""
    head = "\n".join(text.splitlines()[:40])
    return "\t" if head.count("\t") > head.count(",") else ","


def _clean(cell: str, limit: int) -> str:
    """A cell as shown back: no control characters, no surrounding blanks, at most `limit` long."""
    return without_control_characters(cell).strip()[:limit]


#: Columns of which a participant table has at least one: when people joined or how long they stayed.
TIME_COLUMNS = {"first join", "last leave", "join time", "leave time", "duration", "in-meeting duration",
                "duration (minutes)", "duration (mins)", "timestamp"}


def _header(cells: list[str]) -> dict[str, int] | None:
    """The column positions when this row is a participant table's header (a name, an email
    and a join time or duration), else None."""
    names = [c.strip().lower() for c in cells]
    name = next((i for i, c in enumerate(names)
                 if c in ("name", "full name", "name (original name)")), None)
    email = next((i for i, c in enumerate(names) if c in ("email", "user email")), None)
    if name is None or email is None or not TIME_COLUMNS & set(names):
        return None
    columns = {"name": name, "email": email}
    for i, c in enumerate(names):
        if c == "participant id (upn)":
            columns["upn"] = i
        elif c == "in waiting room":
            columns["waiting"] = i
    return columns


def _tool(cells: list[str]) -> str:
    """Which tool wrote the file, from its header row: Zoom's own column names, else Teams."""
    names = {c.strip().lower() for c in cells}
    zoom = {"user email", "name (original name)", "in waiting room", "duration (minutes)", "guest"}
    return ZOOM if names & zoom else TEAMS


def _email(value: str) -> str:
    """An address from a cell, lower-cased, or "" when the cell holds none."""
    value = _clean(value, 254).lower()
    local, at, domain = value.partition("@")
    return value if at and local and "." in domain and " " not in value else ""


def read_participants(data: bytes) -> ParticipantList:
    """The participant rows of an exported Teams or Zoom file; DomainError, saying what is
    wrong, for a file that is too large, not text, or has no participant table."""
    if len(data) > MAX_BYTES:
        raise DomainError(f"This file is larger than {MAX_BYTES // (1024 * 1024)} MB; a participant "
                          "list is far smaller. Check that you chose the right file.")
    if not data.strip():
        raise DomainError("This file is empty. Download the participant list again.")
    text = _decode(data)
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise DomainError(f"This file is not a well-formed CSV file ({exc}).") from exc
    start = next(((i, cols) for i, row in enumerate(lines) if (cols := _header(row))), None)
    if start is None:
        raise DomainError(NOT_A_REPORT)
    index, columns = start
    tool = _tool(lines[index])
    width = max(columns.values()) + 1
    rows: list[Participant] = []
    for number, cells in enumerate(lines[index + 1:], start=index + 2):
        if not any(c.strip() for c in cells):
            break  # a blank line ends Teams' participants section
        if tool == TEAMS and len(cells) == 1 and cells[0][:1].isdigit() and ". " in cells[0]:
            break  # the next section's title ("3. In-Meeting Activities")
        if len(cells) < width:
            raise DomainError(f"Line {number} of the file has {len(cells)} columns where its header "
                              f"has {len(lines[index])}: the file is damaged or was cut short. "
                              "Download the participant list again; nothing was marked.")
        email = _email(cells[columns["email"]])
        if not email and "upn" in columns:
            email = _email(cells[columns["upn"]])
        waiting = "waiting" in columns and cells[columns["waiting"]].strip().lower() in ("yes", "true")
        rows.append(Participant(_clean(cells[columns["name"]], 120), email, number, waiting))
        if len(rows) > MAX_ROWS:
            raise DomainError(f"This file lists more than {MAX_ROWS} participant rows; "
                              "a session's list is far shorter. Check that you chose the right file.")
    if not rows:
        raise DomainError("This file names the participant columns but lists nobody under them. "
                          "Download the participant list again after the meeting has ended.")
    return ParticipantList(tool, rows)
