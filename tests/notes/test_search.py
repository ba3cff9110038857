"""Search: notes by body and title (title first), sessions, highlighting, only what the viewer may read,
and any query without a server error. Runs on SQLite (FTS5) and on PostgreSQL (TEST_DATABASE_URL)."""
import re
from datetime import timedelta

import pytest

from community.db import db, utcnow
from community.notes import services
from community.sessions.models import SessionStatus
from community.signups import services as signups
from tests.factories import make_note, make_session, make_user


def _search(client, query: str) -> str:
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _result_titles(page: str) -> list[str]:
    """The titles of the results, in order."""
    return re.findall(r"<h2><a href=\"[^\"]+\">([^<]+)</a></h2>", page)


def test_finds_a_note_by_a_word_of_its_body(client):
    make_note(title="Data maturity", body="Most firms overrate their telemetry pipelines.")
    make_note(title="Unrelated", body="Nothing to see.")
    db.session.commit()
    assert _result_titles(_search(client, "telemetry")) == ["Data maturity"]


def test_finds_a_note_by_another_form_of_the_word(client):
    make_note(title="Data maturity", body="The panel discussed governance of customer records.")
    db.session.commit()
    assert _result_titles(_search(client, "record")) == ["Data maturity"]


def test_ranks_a_title_match_before_a_body_match(client):
    make_note(title="Customer data costs", body="Our telemetry budget doubled while quality stalled.")
    make_note(title="Telemetry first", body="Instrument before you optimise.")
    db.session.commit()
    assert _result_titles(_search(client, "telemetry")) == ["Telemetry first", "Customer data costs"]


def test_ranks_a_title_match_first_even_when_another_body_repeats_the_word(client):
    make_note(title="Customer data costs", summary="Telemetry, telemetry everywhere.",
              body="Telemetry budgets doubled. Telemetry teams grew. Telemetry quality stalled.")
    make_note(title="Telemetry first", body="Instrument before you optimise.")
    db.session.commit()
    assert _result_titles(_search(client, "telemetry"))[0] == "Telemetry first"


def test_highlights_the_matched_word_in_the_snippet(client):
    make_note(title="Data maturity", body="Most firms overrate their telemetry pipelines.")
    db.session.commit()
    assert re.search(r"<mark>telemetry</mark>", _search(client, "telemetry"), re.IGNORECASE)


def test_snippet_shows_the_note_markup_as_text(client):
    make_note(title="Data maturity", body='Telemetry <img src=x onerror="window.__pwned=1"> <b>bold</b>')
    db.session.commit()
    page = _search(client, "telemetry")
    assert re.search(r"<mark>telemetry</mark>", page, re.IGNORECASE)
    assert "<img src=x" not in page and "<b>bold</b>" not in page


def test_finds_a_session_by_its_title(client):
    make_session(title="Is good enough, enough?", description="A roundtable.")
    db.session.commit()
    page = _search(client, "enough")
    assert _result_titles(page) == ["Is good enough, enough?"] and "Session</span>" in page


def test_finds_a_session_by_its_description(client):
    make_session(title="Roundtable", description="Why perfect customer data costs more than it returns.")
    db.session.commit()
    page = _search(client, "perfect")
    assert _result_titles(page) == ["Roundtable"] and "<mark>perfect</mark>" in page


def test_finds_a_session_after_its_title_changes(client):
    session = make_session(title="Old name", description="A roundtable.")
    db.session.commit()
    session.title = "Quantum procurement"
    db.session.commit()
    assert _result_titles(_search(client, "quantum")) == ["Quantum procurement"]
    assert _result_titles(_search(client, "old")) == []


def test_finds_a_note_after_it_is_edited_and_not_by_its_old_words(client):
    note = make_note(title="Data maturity", body="Telemetry first.")
    db.session.commit()
    services.update(note.authors[0], note, body="Governance first.")
    db.session.commit()
    assert _result_titles(_search(client, "governance")) == ["Data maturity"]
    assert _result_titles(_search(client, "telemetry")) == []


def test_draft_session_is_not_found_by_members(client, auth):
    make_session(title="Secret agenda", status=SessionStatus.DRAFT)
    member = make_user()
    db.session.commit()
    auth.login(member)
    assert _result_titles(_search(client, "agenda")) == []


def _unreadable(case: str):
    """A note containing 'telemetry' that the viewer of `case` may not read, and that viewer."""
    session = make_session()
    if case == "draft":
        return make_note(title="Hidden", body="telemetry", visibility="draft"), make_user()
    if case == "embargoed":
        return (make_note(title="Hidden", body="telemetry", visibility="public",
                          embargo_until=utcnow() + timedelta(hours=1)), make_user(role="analyst"))
    if case == "members-only, anonymous":
        return make_note(title="Hidden", body="telemetry", visibility="members"), None
    if case == "members-only, unconfirmed":
        return make_note(title="Hidden", body="telemetry", visibility="members"), make_user(confirmed=False)
    if case == "attendees-only, non-attendee":
        return (make_note(title="Hidden", body="telemetry", visibility="attendees", sessions=[session]),
                make_user())
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["draft", "embargoed", "members-only, anonymous",
                                  "members-only, unconfirmed", "attendees-only, non-attendee"])
def test_never_returns_a_note_the_viewer_may_not_read(client, auth, case):
    note, viewer = _unreadable(case)
    make_note(title="Visible", body="telemetry", visibility="public")
    db.session.commit()
    if viewer is not None:
        auth.login(viewer)
    page = _search(client, "telemetry")
    assert _result_titles(page) == ["Visible"]
    assert "Hidden" not in page and f"/notes/{note.id}-" not in page


def test_returns_an_attendees_note_to_an_attendee(client, auth):
    session = make_session()
    attendee = make_user()
    signups.sign_up(attendee, session)
    make_note(title="For the room", body="telemetry", visibility="attendees", sessions=[session])
    db.session.commit()
    auth.login(attendee)
    assert _result_titles(_search(client, "telemetry")) == ["For the room"]


def test_returns_a_draft_to_its_author(client, auth):
    author = make_user(role="analyst")
    make_note(author=author, title="Work in progress", body="telemetry", visibility="draft")
    db.session.commit()
    auth.login(author)
    assert _result_titles(_search(client, "telemetry")) == ["Work in progress"]


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_shows_no_results(client, query):
    make_note(title="Data maturity", body="telemetry")
    db.session.commit()
    page = _search(client, query)
    assert _result_titles(page) == [] and "results for" not in page and "search-results" not in page


@pytest.mark.parametrize("query", [
    '"', '""', '"telemetry', 'telemetry"', '"unbalanced phrase', "*", "tele*", "-", "-telemetry",
    "telemetry -data", "OR", "telemetry OR", "OR telemetry", "AND", "NOT", "NOT telemetry", "(", ")",
    "(telemetry", "telemetry)", "(a OR b)", "NEAR", "NEAR(telemetry data)", "NEAR(telemetry data, 2)",
    "title:telemetry", "body:telemetry", ":", "^telemetry", "+telemetry", "{", "}", "[", "]", "'", "''",
    "\\", "%", "_", "&", "|", "!", "<->", "telemetry <-> data", "a & b | !c", "'; DROP TABLE notes; --",
    "the", "a", "...", "🙂", "naïve café", "x" * 300, " ".join(["word"] * 40),
])
def test_query_with_special_characters_does_not_fail(client, query):
    make_note(title="Data maturity", body="Telemetry data pipelines.")
    make_session(title="Roundtable", description="Telemetry data.")
    db.session.commit()
    page = _search(client, query)
    assert "results for" in page or "result for" in page


def test_quoted_words_still_find_the_note(client):
    make_note(title="Data maturity", body="Telemetry data pipelines.")
    db.session.commit()
    assert _result_titles(_search(client, '"telemetry"')) == ["Data maturity"]


CONTROL_QUERIES = ["\x00", "\x00\x00", "telemetry\x00", "\x00telemetry", "tele\x00metry", "\x01\x02\x03",
                   "\x02telemetry\x03", "\x1b[31mtelemetry", "\x7f", "\x08\x0b\x0c", "\r\n", "\t",
                   "\x85", "\x9f", "telemetry\x00 OR\x00 data"]


@pytest.mark.parametrize("query", CONTROL_QUERIES)
def test_query_with_control_characters_answers_200(client, query):
    make_note(title="Data maturity", body="Telemetry data pipelines.")
    make_session(title="Roundtable", description="Telemetry data.")
    db.session.commit()
    page = _search(client, query)
    assert "results for" in page or "result for" in page or "search-results" not in page
    assert "\x00" not in page


@pytest.mark.parametrize("query", ["telemetry\x00", "\x00telemetry", "\x1btelemetry\x7f"])
def test_control_characters_are_left_out_and_the_words_still_found(client, query):
    make_note(title="Data maturity", body="Telemetry data pipelines.")
    db.session.commit()
    assert _result_titles(_search(client, query)) == ["Data maturity"]


@pytest.mark.parametrize("raw", ["%00", "%ED%A0%80", "%FF%FE", "%C0%80", "tele%00metry%0D%0A"])
def test_raw_nul_and_broken_utf8_in_the_address_answer_200(client, raw):
    make_note(title="Data maturity", body="Telemetry data pipelines.")
    db.session.commit()
    assert client.get(f"/search?q={raw}").status_code == 200


def test_query_of_control_characters_only_is_an_empty_search(client):
    make_note(title="Data maturity", body="Telemetry data pipelines.")
    db.session.commit()
    page = _search(client, "\x00\x01\x1b")
    assert _result_titles(page) == [] and "search-results" not in page
