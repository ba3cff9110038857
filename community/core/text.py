"""Plain-text rules every feature shares: what counts as a control character, and one-line text."""
import re

#: Control characters (C0, DEL, C1) and Unicode line/paragraph separators; tab, LF and CR are
#: matched separately so multi-line fields may keep them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_BREAKS = re.compile(r"[\t\r\n]")


def has_control_characters(text: str | None, *, multiline: bool = False) -> bool:
    """Whether `text` holds characters that break headers, files or databases (NUL, CR, LF...);
    `multiline` text may hold tabs and line breaks."""
    if not text:
        return False
    return bool(_CONTROL.search(text)) or (not multiline and bool(_BREAKS.search(text)))


def one_line(text: str | None) -> str:
    """`text` as a single line: runs of white space (line breaks included) become one space and
    control characters are dropped (for email headers, whatever was stored)."""
    return " ".join(_CONTROL.sub("", text or "").split())
