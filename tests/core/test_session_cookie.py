"""The session cookie is renewed once a minute old, not on every response: the idle timeout
still runs from the last request (give or take the minute) and a changed session is saved at once."""
from datetime import timedelta

import time_machine

from community.db import db, utcnow
from tests.factories import PASSWORD, make_user


def test_renewed_once_a_minute_old_and_ended_after_the_idle_timeout(app):
    ada = make_user()
    db.session.commit()
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        browser = app.test_client()
        assert browser.post("/login", data={"email": ada.email, "password": PASSWORD}).status_code == 302
        clock.move_to(start + timedelta(seconds=10))
        # The page's forms give the log-in its form secret: a changed session, saved at once.
        assert "Set-Cookie" in browser.get("/account").headers
        clock.move_to(start + timedelta(seconds=40))
        page = browser.get("/account")
        assert page.status_code == 200 and "Set-Cookie" not in page.headers
        clock.move_to(start + timedelta(seconds=100))
        page = browser.get("/account")
        assert page.status_code == 200 and "Set-Cookie" in page.headers
        renewed = browser.get_cookie("session").expires
        assert int(renewed.timestamp()) == int((start + timedelta(seconds=100, hours=2)).timestamp())
        # Two hours after the last renewal: the log-in has ended.
        clock.move_to(start + timedelta(seconds=101, hours=2))
        assert browser.get("/account").status_code == 302  # to the log-in page
