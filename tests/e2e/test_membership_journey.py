"""Membership in a real browser: join, confirm, log in and out; forget and reset a password."""
import re

from playwright.sync_api import expect

from community.db import db
from tests.e2e.support import assert_accessible, flash, link_in_email, log_out, submit_login_form
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a quieter harbour at dawn"


def _only_email_to(mailbox, address: str):
    """The single message the mailbox holds for `address`."""
    messages = mailbox.to(address)
    assert len(messages) == 1, [m["Subject"] for m in mailbox.messages]
    return messages[0]


def test_a_visitor_joins_confirms_the_email_logs_in_and_out(page, live_server, mailbox):
    base_url = live_server.app.config["BASE_URL"]
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("one question that matters")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Join free").click()
    expect(page.get_by_role("heading", level=1, name="Join the community")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Work email").fill("Ada@Example.com")
    page.get_by_label("Organisation").fill("Analytical Engines Ltd")
    page.get_by_label("Job title").fill("Chief Digital Officer")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("ada@example.com")
    assert_accessible(page)

    email = _only_email_to(mailbox, "ada@example.com")
    assert email["Subject"] == "Confirm your email address"
    page.goto(link_in_email(email, base_url, "/confirm/", live_server.url))
    expect(flash(page, "your email address is confirmed")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))  # the address is not put in the URL
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("ada@example.com")
    assert_accessible(page)

    submit_login_form(page, PASSWORD)
    expect(flash(page, "Welcome back, Ada Lovelace.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Account")).to_be_visible()
    expect(nav.get_by_role("link", name="Log in")).to_have_count(0)
    assert_accessible(page)

    nav.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1, name="Your account")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("Ada Lovelace · ada@example.com")
    expect(page.locator(".lead")).to_contain_text("email confirmed")
    assert_accessible(page)

    log_out(page)
    expect(nav.get_by_role("link", name="Join free")).to_be_visible()
    expect(nav.get_by_role("link", name="Account")).to_have_count(0)
    assert_accessible(page)


def test_a_member_who_forgot_the_password_resets_it_by_email(page, live_server, mailbox):
    with live_server.app.app_context():
        make_user(email="grace@example.com", name="Grace Hopper")
        db.session.commit()
    base_url = live_server.app.config["BASE_URL"]

    page.goto("/login")
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1, name="Forgot your password?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
    assert_accessible(page)

    email = _only_email_to(mailbox, "grace@example.com")
    assert email["Subject"] == "Reset your password"
    reset_link = link_in_email(email, base_url, "/password/reset/", live_server.url)
    page.goto(reset_link)
    expect(page.get_by_role("heading", level=1, name="Choose a new password")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("For grace@example.com.")
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()

    expect(flash(page, "Your password is changed. Log in with the new one.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("grace@example.com")
    assert_accessible(page)
    submit_login_form(page, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an account.")
    assert_accessible(page)
    submit_login_form(page, NEW_PASSWORD)
    expect(flash(page, "Welcome back, Grace Hopper.")).to_be_visible()
    assert_accessible(page)

    assert page.goto(reset_link).status == 400
    expect(page.get_by_role("heading", level=1, name="Reset link problem")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("already been used")
    assert_accessible(page)
