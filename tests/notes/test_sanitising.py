"""Sanitising: a corpus of hostile Markdown and HTML renders to inert HTML, alone and on the note page."""
import pytest
from sqlalchemy import func, select

from community.core.markdown import render_markdown
from community.db import db
from community.notes.models import Note
from tests.factories import make_note, make_user
from tests.notes.helpers import HOSTILE, executable_parts, prose_of

CORPUS = [pytest.param(text, id=name) for name, text in HOSTILE.items()]
EVERYTHING = "\n\n".join(HOSTILE.values())


def _page(client, note) -> str:
    response = client.get(f"/notes/{note.id}-{note.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("text", CORPUS)
def test_hostile_markdown_renders_to_nothing_executable(text):
    assert executable_parts(render_markdown(text)) == []


@pytest.mark.parametrize("text", CORPUS)
def test_hostile_markdown_inside_ordinary_markdown_renders_to_nothing_executable(text):
    body = f"## Findings\n\n- first point\n- {text}\n\n> {text}\n\n| a | b |\n|---|---|\n| {text} | x |\n"
    assert executable_parts(render_markdown(body)) == []


def test_the_whole_corpus_at_once_renders_to_nothing_executable():
    assert executable_parts(render_markdown(EVERYTHING)) == []


def test_the_checker_itself_spots_executable_html():
    found = executable_parts('<p onclick="x()">a</p><a href=" jav&#x61;script:x()">b</a><svg></svg>'
                             '<em style="color:red">c</em><!-- c -->')
    assert len(found) == 5


def test_ordinary_markdown_keeps_headings_lists_tables_links_and_quotes():
    html = str(render_markdown(
        "## Questions\n\n- One\n- Two\n\n1. First\n\n| Level | Share |\n|---|---:|\n| 3 | 40% |\n\n"
        "> Good enough is enough.\n\n**bold** *em* `code` ~~gone~~\n\n[Report](https://example.com/r)"))
    for fragment in ("<h2>Questions</h2>", "<li>One</li>", "<ol>", "<table>", "<th>Level</th>",
                     "<td", "<blockquote>", "<strong>bold</strong>", "<em>em</em>", "<code>code</code>"):
        assert fragment in html
    assert '<a href="https://example.com/r" rel="noopener noreferrer nofollow">Report</a>' in html
    assert executable_parts(html) == []


def test_safe_autolinks_and_mail_links_stay_links():
    html = str(render_markdown("<https://example.com/a> and <mailto:ada@example.com>"))
    assert '<a href="https://example.com/a"' in html and '<a href="mailto:ada@example.com"' in html


@pytest.mark.parametrize("text", CORPUS)
def test_hostile_body_is_inert_on_the_note_page(client, text):
    note = make_note(body=f"Before.\n\n{text}\n\nAfter.", visibility="public")
    db.session.commit()
    page = _page(client, note)
    prose = prose_of(page)
    assert "Before." in prose and "After." in prose
    assert executable_parts(prose) == []


def test_the_whole_corpus_is_inert_on_the_note_page(client):
    note = make_note(body=EVERYTHING, visibility="public")
    db.session.commit()
    assert executable_parts(prose_of(_page(client, note))) == []


def test_hostile_title_and_summary_are_escaped_on_the_note_page(client):
    note = make_note(title='<script>window.__pwned = 1</script>Costs',
                     summary='<img src=x onerror="window.__pwned = 1">', visibility="public")
    db.session.commit()
    page = _page(client, note)
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;Costs" in page


def test_note_page_forbids_inline_script_by_content_security_policy(client):
    note = make_note(visibility="public")
    db.session.commit()
    policy = client.get(f"/notes/{note.id}-{note.slug}").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy


@pytest.mark.parametrize("text", CORPUS)
def test_live_preview_returns_inert_html(client, auth, text):
    analyst = make_user(role="analyst")
    db.session.commit()
    auth.login(analyst)
    response = client.post("/notes/preview", data={"body": text})
    assert response.status_code == 200
    assert executable_parts(response.get_json()["html"]) == []


def test_preview_button_shows_inert_html_without_saving(client, auth):
    analyst = make_user(role="analyst")
    db.session.commit()
    auth.login(analyst)
    response = client.post("/notes/new", data={"title": "Draft", "body": EVERYTHING, "kind": "pre_read",
                                               "visibility": "public", "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    start = page.index('id="preview"')
    preview = page[page.index(">", start) + 1:page.index("</div>", start)]
    assert executable_parts(preview) == []
    assert db.session.scalar(select(func.count(Note.id))) == 0
