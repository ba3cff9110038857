"""Polls in a real browser: answer without a reload, change the answer, see the result once the
poll closes; the presenter view follows the room; and everything works without JavaScript."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from community.accounts.models import User
from community.core.web import CONTENT_SECURITY_POLICY
from community.db import db
from community.polls import services
from community.polls.models import Poll, PollAnswer
from tests.e2e.browser import PHONE
from tests.e2e.support import assert_accessible, log_in, open_tab, serve_html
from tests.factories import make_poll, make_session, make_user, option_ids

QUESTION = "Is good enough, enough?"


def _setup(live_server, **poll_settings):
    """A session with an open poll, two members and an organiser; returns the ids."""
    with live_server.app.app_context():
        session = make_session(title="Is technology-driven customer experience a challenge for the CIO?")
        settings = {"options": ["Yes", "Only where it does not set us apart", "It depends"], **poll_settings}
        poll = make_poll(session, question=QUESTION, allow_comment=True, **settings)
        make_user(email="ada@example.com", name="Ada Lovelace")
        make_user(email="grace@example.com", name="Grace Hopper")
        make_user(email="olga@example.com", name="Olga Organiser", role="organiser")
        db.session.commit()
        return session.id, poll.id


def _stored_choices(live_server, poll_id):
    """Each stored answer to the poll as (the member's email, the labels of the options chosen)."""
    with live_server.app.app_context():
        poll = db.session.get(Poll, poll_id)
        answers = db.session.scalars(select(PollAnswer).where(PollAnswer.poll_id == poll_id)).all()
        labels = {o.id: o.label for o in poll.options}
        return [(a.user.email, [labels[c.option_id] for c in a.choices]) for a in answers]


def test_member_answers_changes_and_sees_the_result_the_presenter_follows(page, live_server, browser):
    session_id, poll_id = _setup(live_server, results_visibility="after_close")
    log_in(page, "ada@example.com")
    page.goto(f"/sessions/{session_id}")
    poll = page.locator(f"#poll-{poll_id}")
    expect(poll.get_by_role("heading", name=QUESTION)).to_be_visible()
    assert_accessible(page)

    page.evaluate("() => { window.stillTheSamePage = true; }")
    poll.get_by_label("Only where it does not set us apart").check()
    poll.get_by_label("Why?").fill("Budget goes where customers notice.")
    poll.get_by_role("button", name="Send my answer").click()
    expect(poll.locator(".poll-flash-ok")).to_contain_text("Your answer is saved.")
    expect(poll.locator(".poll-mine")).to_contain_text("Your answer: Only where it does not set us apart")
    expect(poll).to_contain_text("Results appear here when the poll closes.")
    assert page.evaluate("() => window.stillTheSamePage") is True, "the answer must be sent without a reload"
    assert_accessible(page)

    poll.get_by_text("Change my answer").click()
    poll.get_by_label("It depends").check()
    poll.get_by_role("button", name="Save my new answer").click()
    expect(poll.locator(".poll-mine")).to_contain_text("Your answer: It depends")
    assert page.evaluate("() => window.stillTheSamePage") is True
    assert _stored_choices(live_server, poll_id) == [("ada@example.com", ["It depends"])]
    assert_accessible(page)

    with open_tab(browser, live_server.url) as screen:  # the presenter's
        log_in(screen, "olga@example.com")
        screen.goto(f"/sessions/{session_id}/polls/{poll_id}/present")
        expect(screen.get_by_role("heading", level=1)).to_have_text(QUESTION)
        expect(screen.locator(".present-count")).to_contain_text("1 answer")
        expect(screen.locator(".present-link")).to_contain_text(f"/p/{poll_id}")
        assert_accessible(screen)

        with live_server.app.app_context():
            grace = db.session.scalar(select(User).where(User.email == "grace@example.com"))
            live_poll = db.session.get(Poll, poll_id)
            services.answer(grace, live_poll, option_ids(live_poll, "It depends"))
            db.session.commit()
        expect(screen.locator(".present-count")).to_contain_text("2 answers", timeout=15_000)
        row = screen.locator(".result-row").filter(has_text="It depends")
        expect(row).to_contain_text("100%")
        expect(row).to_contain_text("2 of 2")
        assert_accessible(screen)

        screen.get_by_role("button", name="Close the poll").click()
        expect(screen.locator(".flash-success")).to_contain_text("The poll is closed")
        expect(screen.locator("[data-status-label]")).to_have_text("Closed")
        expect(screen.locator("[data-closed-note]")).to_be_visible()
        assert_accessible(screen)

    page.reload()
    expect(poll.locator(".poll-state")).to_have_text("Closed")
    expect(poll).to_contain_text("This poll is closed; answers are no longer accepted.")
    results = poll.locator(".poll-results")
    expect(results).to_contain_text("2 answers")
    expect(results.locator(".result-row").filter(has_text="It depends")).to_contain_text("100%")
    expect(results.locator(".is-mine")).to_contain_text("It depends")
    expect(poll.locator(".poll-comments summary")).to_contain_text("(1)")
    assert_accessible(page)


def _assert_accessible_as_served(checker, page) -> None:
    """axe runs as JavaScript, which this tab has turned off: check the page's HTML as it is
    now in `checker`, a tab where scripts run, at the same address and under the site's CSP."""
    url = page.url.split("#")[0]
    serve_html(checker, url, page.content(), CONTENT_SECURITY_POLICY)
    checker.goto(url)
    assert_accessible(checker)
    checker.unroute(url)


def test_without_javascript_polls_are_plain_forms_and_the_presenter_a_plain_page(page, browser, live_server):
    session_id, poll_id = _setup(live_server, kind="scale", options=None)
    checker = page
    with open_tab(browser, live_server.url, viewport=PHONE, java_script_enabled=False) as page:
        log_in(page, "olga@example.com")
        page.goto(f"/sessions/{session_id}")
        poll = page.locator(f"#poll-{poll_id}")
        poll.get_by_label("4: Agree").check()
        poll.get_by_role("button", name="Send my answer").click()
        expect(page).to_have_url(re.compile(rf"/sessions/{session_id}-[\w-]+#poll-{poll_id}$"))
        expect(page.locator(".flash-success")).to_contain_text("Your answer is saved.")
        expect(poll.locator(".poll-mine")).to_contain_text("Your answer: 4 · Agree")
        expect(poll.locator(".result-mean")).to_contain_text("Average 4.0")
        _assert_accessible_as_served(checker, page)

        poll.get_by_text("Change my answer").click()
        poll.get_by_label("5: Strongly agree").check()
        with live_server.app.app_context():  # the host closes the poll meanwhile
            services.close_poll(db.session.scalar(select(User).where(User.email == "olga@example.com")),
                                db.session.get(Poll, poll_id))
            db.session.commit()
        poll.get_by_role("button", name="Save my new answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your answer was not saved")
        expect(page.locator(".poll-flash-error")).to_have_text(
            "This poll is closed; answers are no longer accepted.")
        expect(page.locator(".poll-mine")).to_contain_text("Your answer: 4 · Agree")
        _assert_accessible_as_served(checker, page)

        page.goto(f"/sessions/{session_id}/polls/{poll_id}/present")
        expect(page.locator(".present-count")).to_contain_text("1 answer")
        expect(page.locator("[data-status-label]")).to_have_text("Closed")
        expect(page.get_by_role("link", name="Reload")).to_be_visible()
        _assert_accessible_as_served(checker, page)
