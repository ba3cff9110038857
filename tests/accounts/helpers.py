"""Helpers to pull links out of the emails the SMTP fixture received, and to check that a link
does not show an email address."""
import base64
import binascii
import re
import zlib
from urllib.parse import unquote, urlsplit

LINK = re.compile(r"https?://\S+")


def link_in(message, contains: str) -> str:
    """The path (and query) of the first link in the plain-text body that contains `contains`."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    for url in LINK.findall(text):
        if contains in url:
            parts = urlsplit(url)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link containing {contains!r} in:\n{text}")


def links_in(message) -> list[str]:
    """Every link in the plain-text body."""
    return LINK.findall(message.get_body(preferencelist=("plain",)).get_content())


def _decoded(piece: str) -> bytes:
    """A URL piece read as URL-safe base64 (and inflated when it is zlib data), else b""."""
    try:
        data = base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4))
    except (ValueError, binascii.Error):
        return b""
    try:
        return zlib.decompress(data)
    except zlib.error:
        return data


def reveals(url: str, address: str) -> bool:
    """Whether a link shows the address: in clear, or inside a base64-encoded (signed) token."""
    address = address.lower()
    if address in unquote(url).lower():
        return True
    return any(address.encode() in _decoded(piece).lower() for piece in re.split(r"[/.?=&]", url))
