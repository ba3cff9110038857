"""The check-in pages: who reaches them, the search without JavaScript, marking, walk-ins,
imports through the form, and the links to the page."""
import io
import re

import pytest

from community.db import db
from tests.admin.helpers import text
from tests.checkin.conftest import sample


def _url(day, rest: str = "") -> str:
    return f"/sessions/{day.session.id}/check-in{rest}"


@pytest.mark.parametrize("who,status", [("organiser", 200), ("host", 200), ("analyst", 403),
                                        ("member", 403), ("ada", 403)])
def test_organisers_and_hosts_open_check_in_and_nobody_else(day, auth, client, who, status):
    auth.login(getattr(day, who))
    assert client.get(_url(day)).status_code == status


def test_a_visitor_is_asked_to_log_in(day, client):
    response = client.get(_url(day))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(_url(day, f"/{day.reg(day.ada).id}/attend")).status_code == 302
    assert day.reg(day.ada).attended_at is None


def test_the_page_lists_seats_and_waitlist_with_counts_and_rules(day, auth, client):
    auth.login(day.host)
    page = text(client.get(_url(day)))
    for name in ("Ada Attendee", "Zed Zero-Show", "Late Larry", "Wendy Waitlisted"):
        assert name in page
    assert "Carla Cancelled" not in page
    assert "0 / 3" in page and "Check-in is open until Thu 28 Jan 2027, 15:00 GMT" in page
    assert page.count("Mark attended") == 4
    assert "Check-in opens at midnight on the session's day in Europe/London" in page


def test_searching_without_javascript_narrows_the_list_on_the_server(day, auth, client):
    auth.login(day.host)
    page = text(client.get(_url(day, "?q=northwind")))
    assert "Ada Attendee" in page and "Wendy Waitlisted" not in page
    assert "1 of 4 match “northwind”" in page
    page = text(client.get(_url(day, "?q=nobody+here")))
    assert "Nobody on the list matches “nobody here”" in page


def test_marking_and_undoing_goes_back_to_the_row_keeping_the_search(day, auth, client, marked):
    auth.login(day.host)
    reg_id = day.reg(day.ada).id
    response = client.post(_url(day, f"/{reg_id}/attend"), data={"q": "ada"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/check-in?q=ada#reg-{reg_id}")
    page = text(client.get(_url(day, "?q=ada")))
    assert "Ada Attendee is marked attended." in page and "✓ Attended" in page
    assert "Checked in, 14:30 GMT" in page and "1 / 3" in page
    assert day.reg(day.ada).attended_at is not None

    client.post(_url(day, f"/{reg_id}/undo"))
    assert "Ada Attendee is no longer marked attended." in text(client.get(_url(day)))
    assert day.reg(day.ada).attended_at is None
    assert [kwargs["attended"] for _, kwargs in marked] == [True, False]


def test_a_place_at_another_session_is_not_found_here(day, auth, client):
    from tests.factories import make_session

    other = make_session(slug="other", hosts=[day.host])
    db.session.commit()
    auth.login(day.host)
    assert client.post(f"/sessions/{other.id}/check-in/{day.reg(day.ada).id}/attend").status_code == 404


def test_before_the_day_the_list_shows_without_buttons_and_marking_is_refused(day, auth, client):
    day.clock.move_to(day.session.starts_at.replace(day=12))
    auth.login(day.host)
    page = text(client.get(_url(day)))
    assert "It opens on Thursday 14 January 2027, 00:00 GMT" in page
    assert "Mark attended" not in page and "Add a walk-in" not in page
    client.post(_url(day, f"/{day.reg(day.ada).id}/attend"))
    assert "Check-in opens on the day of the session." in text(client.get(_url(day)))
    assert day.reg(day.ada).attended_at is None


def test_a_walk_in_through_the_form(day, auth, client, mailbox):
    auth.login(day.host)
    response = client.post(_url(day, "/walk-in"), data={"email": "nia@newco.example", "name": "Nia Newcomer",
                                                        "organisation": "Newco"})
    assert response.status_code == 302
    page = text(client.get(_url(day)))
    assert ("Nia Newcomer (nia@newco.example) is checked in as a walk-in, with a seat. We emailed them a "
            "link to confirm their address and join.") in page
    assert len(mailbox.to("nia@newco.example")) == 1

    client.post(_url(day, "/walk-in"), data={"email": "wendy@example.com"})
    assert "was on the waitlist, now has a seat and is marked attended" in text(client.get(_url(day)))


@pytest.mark.parametrize("data,message", [
    ({"email": "not an address"}, "Enter a valid email address"),
    ({"email": ""}, "Enter the person's email address."),
    ({"email": "new@example.com"}, "Enter the name of the person, since they have no account yet."),
    ({"email": "new@example.com", "name": "Two\nLines"}, "Keep this to one line"),
])
def test_a_walk_in_form_with_a_mistake_is_shown_again_with_the_reason(day, auth, client, data, message):
    auth.login(day.host)
    response = client.post(_url(day, "/walk-in"), data=data)
    assert response.status_code == 400 and message in text(response)
    assert 'aria-invalid="true"' in text(response)


def test_an_import_through_the_form_shows_what_matched_and_what_did_not(day, auth, client):
    auth.login(day.organiser)
    response = client.post(_url(day, "/import"), data={
        "file": (io.BytesIO(sample("zoom_participants.csv")), "participants.csv")})
    page = " ".join(text(response).split())
    assert response.status_code == 200
    assert "Read 8 rows of a Zoom participant list (participants.csv)" in page
    assert "2 newly marked attended, 0 already marked, 5 not matched, 1 repeated row counted once" in page
    assert "On the waitlist: marked attended, keeps the waitlist place" in page
    assert "Only in the waiting room" in page and "Cancelled their place" in page
    assert '<th scope="row" data-label="Name in the file">=HYPERLINK(&#34;http://evil.example&#34;)</th>' in \
        response.get_data(as_text=True)
    assert day.reg(day.ada).attendance_source == "zoom"


@pytest.mark.parametrize("name,data,message", [
    ("report.txt", sample("zoom_participants.csv"), "Upload a .csv file"),
    ("cut.csv", sample("zoom_cut_short.csv"), "Line 3 of the file has 2 columns"),
    ("ours.csv", sample("attendee_list_not_a_report.csv"), "not a Teams attendance report"),
])
def test_a_refused_file_is_explained_and_marks_nobody(day, auth, client, name, data, message):
    auth.login(day.host)
    response = client.post(_url(day, "/import"), data={"file": (io.BytesIO(data), name)})
    assert response.status_code == 400 and message in text(response)
    assert day.reg(day.ada).attended_at is None


def test_an_import_without_a_file_asks_for_one(day, auth, client):
    auth.login(day.host)
    response = client.post(_url(day, "/import"), data={})
    assert response.status_code == 400 and "Choose the .csv file" in text(response)


def test_the_host_finds_check_in_on_the_session_page_and_others_do_not(day, auth, client):
    path = f"/sessions/{day.session.id}-{day.session.slug}"
    auth.login(day.host)
    assert "Check-in for the session you host" in text(client.get(path))
    auth.logout()
    auth.login(day.analyst)
    assert "Check-in" not in text(client.get(path))


def test_the_organisers_attendee_page_links_to_check_in(day, auth, client):
    auth.login(day.organiser)
    page = client.get(f"/admin/sessions/{day.session.id}/attendees").get_data(as_text=True)
    assert re.search(rf'href="/sessions/{day.session.id}/check-in"', page)
