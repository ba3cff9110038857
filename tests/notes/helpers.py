"""Helpers for the note tests: real file bytes, the stored files, a hostile corpus and an HTML check."""
import io
import re
import struct
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV = "region,maturity\nNorth,3\nSüd,4\n".encode()
HTML = b"<!DOCTYPE html><html><body><script>window.__pwned = 1</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def png() -> bytes:
    """A valid 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def office(folder: str) -> bytes:
    """A minimal Office Open XML package: `xl/` makes a workbook, `ppt/` a presentation."""
    main = {"xl/": "workbook.xml", "ppt/": "presentation.xml", "word/": "document.xml"}[folder]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
                         '"http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(folder + main, "<root/>")
    return buffer.getvalue()


def attachment_folder() -> Path:
    """Where the app keeps attachments (inside the test's own instance folder)."""
    return Path(current_app.instance_path) / "attachments"


def stored_files() -> list[Path]:
    """Every file in the attachments folder (and below it)."""
    folder = attachment_folder()
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


#: Markdown and HTML that tries to run script, each payload setting window.__pwned if it ran.
HOSTILE = {
    "script tag": "<script>window.__pwned = 1</script>",
    "script tag, mixed case": "<ScRiPt>window.__pwned = 1</sCrIpT>",
    "img onerror": '<img src="x" onerror="window.__pwned = 1">',
    "img onerror unquoted": "<img src=x onerror=window.__pwned=1>",
    "event handler on a paragraph":
        '<p onclick="window.__pwned = 1" onmouseover="window.__pwned = 1">hover</p>',
    "details ontoggle": '<details open ontoggle="window.__pwned = 1"><summary>x</summary></details>',
    "markdown javascript link": "[click me](javascript:window.__pwned=1)",
    "markdown javascript link, mixed case": "[click me](JaVaScRiPt:window.__pwned=1)",
    "markdown javascript link, entity": "[click me](jav&#x61;script:window.__pwned=1)",
    "markdown javascript link, decimal entity": "[click me](&#106;avascript:window.__pwned=1)",
    "markdown javascript link in angle brackets": "[click me](<javascript:window.__pwned=1>)",
    "markdown javascript reference link": "[click me][evil]\n\n[evil]: javascript:window.__pwned=1",
    "markdown data link": "[click me](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+)",
    "markdown vbscript link": "[click me](vbscript:msgbox(1))",
    "markdown image with javascript": "![x](javascript:window.__pwned=1)",
    "markdown image with svg data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "markdown link title breaking out": '[x](https://example.com "a\\" onmouseover=\\"window.__pwned=1")',
    "html javascript link": '<a href="javascript:window.__pwned=1">click me</a>',
    "html javascript link, entity": '<a href="jav&#x61;script:window.__pwned=1">click me</a>',
    "html javascript link, tab": '<a href="java\tscript:window.__pwned=1">click me</a>',
    "html data link": '<a href="data:text/html,<script>window.__pwned=1</script>">click me</a>',
    "html vbscript link": '<a href="vbscript:msgbox(1)">click me</a>',
    "autolink javascript": "<javascript:window.__pwned=1>",
    "autolink breaking out": '<https://example.com" onmouseover="window.__pwned=1>',
    "svg onload": "<svg onload=\"window.__pwned = 1\"></svg>",
    "svg script": "<svg><script>window.__pwned = 1</script></svg>",
    "svg animate href": '<svg><a><animate attributeName="href" values="javascript:window.__pwned=1"/>'
                        '<text x="20" y="20">click</text></a></svg>',
    "iframe": '<iframe src="javascript:window.__pwned=1"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "object": '<object data="data:text/html,<script>window.__pwned=1</script>"></object>',
    "embed": '<embed src="data:text/html,<script>window.__pwned=1</script>">',
    "style element": "<style>body { background: url('javascript:window.__pwned=1') }</style>",
    "style attribute": '<p style="background:url(javascript:window.__pwned=1)">styled</p>',
    "link stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
    "base href": '<base href="javascript:window.__pwned=1//">',
    "html comment hiding a script": "<!--><script>window.__pwned = 1</script>-->",
    "html comment bang close": "<!-- --!><script>window.__pwned = 1</script> -->",
    "conditional comment": "<!--[if IE]><script>window.__pwned = 1</script><![endif]-->",
    "math mutation": "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>",
    "form": '<form action="javascript:window.__pwned=1"><button>Send</button></form>',
    "form with formaction": '<button formaction="javascript:window.__pwned=1">Go</button>',
    "script inside a table":
        "| a | b |\n|---|---|\n| <script>window.__pwned=1</script> | <img src=x onerror=window.__pwned=1> |",
    "script inside a block quote": "> <script>window.__pwned = 1</script>\n> quoted",
    "script inside a code span": "`<script>window.__pwned = 1</script>`",
    "noscript breaking out of an attribute":
        "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned=1>\"></noscript>",
}

#: Tags a rendered note may contain (what markdown-it produces for Markdown, and nothing more).
SAFE_TAGS = {"a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr", "li",
             "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "del"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "xlink:href", "background",
                  "poster", "values", "to", "from"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class _Collector(HTMLParser):
    """Elements and attributes as a browser's tokenizer would see them (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        """Record anything executable about one element."""
        if tag not in SAFE_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = urlsplit(_CONTROL.sub("", value)).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        """A comment could be a conditional comment; none should survive."""
        self.problems.append(f"comment <!--{data}-->")


def executable_parts(html: str) -> list[str]:
    """Everything in `html` that could run script or restyle the page (empty when inert)."""
    collector = _Collector()
    collector.feed(str(html))
    collector.close()
    if re.search(r"<\s*script", str(html), re.IGNORECASE):
        collector.problems.append("a <script in the markup")
    return collector.problems


def prose_of(page: str) -> str:
    """The rendered body of a note page (the Markdown output never contains a <div>)."""
    start = page.index('<div class="prose">') + len('<div class="prose">')
    return page[start:page.index("</div>", start)]


def download(client, url: str):
    """GET a file and close the response (send_file keeps the file open until then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response
