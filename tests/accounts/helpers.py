"""Helpers to pull links out of the emails the SMTP fixture received."""
import re
from urllib.parse import urlsplit

LINK = re.compile(r"https?://\S+")


def link_in(message, contains: str) -> str:
    """The path (and query) of the first link in the plain-text body that contains `contains`."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    for url in LINK.findall(text):
        if contains in url:
            parts = urlsplit(url)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link containing {contains!r} in:\n{text}")
