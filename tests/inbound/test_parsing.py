"""Reading headers: RFC 3834 automatic mail, and which Authentication-Results count."""
from email import message_from_bytes, policy

import pytest

from community.inbound import parsing


def _msg(headers: str):
    return message_from_bytes((headers.strip() + "\r\n\r\nbody\r\n").encode(), policy=policy.default)


@pytest.mark.parametrize("headers, why", [
    ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
    ("Auto-Submitted: auto-generated; owner-email=x@example.org", "Auto-Submitted"),
    ("Precedence: bulk", "Precedence: bulk"),
    ("Precedence: list", "Precedence: list"),
    ("Precedence: junk", "Precedence: junk"),
    ("Return-Path: <>", "empty Return-Path"),
    ("X-Autoreply: yes", "X-Autoreply present"),
    ("Subject: Out of Office: back on Monday", "an automatic-reply subject"),
])
def test_automatic_mail_is_recognised(headers, why):
    assert why in parsing.auto_submitted(_msg("From: a@example.org\r\n" + headers))


@pytest.mark.parametrize("headers", ["Auto-Submitted: no", "Precedence: first-class",
                                     "Return-Path: <a@example.org>", "Subject: Declined: a session"])
def test_a_persons_own_mail_is_not_automatic(headers):
    assert parsing.auto_submitted(_msg("From: a@example.org\r\n" + headers)) == ""


def test_only_the_topmost_result_of_our_own_server_counts():
    msg = _msg("Authentication-Results: mx.ours.test; dkim=fail header.d=example.com; spf=softfail "
               "smtp.mailfrom=example.com\r\n"
               "Authentication-Results: mx.ours.test; dkim=pass header.d=example.com\r\n"
               "From: a@example.com")
    assert parsing.authenticated_domain(msg, "mx.ours.test", "example.com") == ""


def test_comments_and_case_do_not_hide_a_pass_and_subdomains_align():
    msg = _msg("Authentication-Results: MX.Ours.Test (version 1); DKIM=pass (good signature) "
               "header.d=mail.example.com\r\nFrom: a@example.com")
    assert parsing.authenticated_domain(msg, "mx.ours.test", "example.com") == "dkim"
    msg = _msg("Authentication-Results: mx.ours.test; spf=pass smtp.mailfrom=bounces@example.com\r\n"
               "From: a@example.com")
    assert parsing.authenticated_domain(msg, "mx.ours.test", "example.com") == "spf"


def test_a_pass_for_a_look_alike_domain_does_not_align():
    msg = _msg("Authentication-Results: mx.ours.test; dkim=pass header.d=notexample.com\r\n"
               "From: a@example.com")
    assert parsing.authenticated_domain(msg, "mx.ours.test", "example.com") == ""


def test_without_a_configured_authserv_id_nothing_is_trusted():
    msg = _msg("Authentication-Results: mx.ours.test; dkim=pass header.d=example.com\r\nFrom: a@example.com")
    assert parsing.authenticated_domain(msg, None, "example.com") == ""
