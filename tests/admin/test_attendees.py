"""The organisers' attendee lists (community/admin/views/attendees.py): groups, adding by email,
removing, promoting and the CSV export."""
import csv
import io

import pytest
from sqlalchemy import func, select

from community.db import db
from community.sessions.models import SessionStatus
from community.signups import services as signups
from community.signups.models import Registration
from tests.admin.helpers import THURSDAY_2PM, text
from tests.factories import make_session, make_user

pytestmark = pytest.mark.usefixtures("frozen_time")


@pytest.fixture
def busy_session(app):
    """A two-seat session with two confirmed, two waitlisted and one cancelled sign-up."""
    session = make_session(starts_at=THURSDAY_2PM, capacity=2, title="AI at work",
                           slug="ai-at-work")
    people = [make_user(name=n, email=f"{n.split()[0].lower()}@example.com",
                        organisation=f"{n.split()[1]} plc", job_title="CIO")
              for n in ("Ada Lovelace", "Brian Kernighan", "Cleo Patra", "Dan Brown", "Eve Online")]
    for person in people:
        signups.sign_up(person, session)
    signups.cancel(people[4], session)
    db.session.commit()
    return session


def test_attendee_page_groups_confirmed_waitlist_in_order_and_cancelled(client, organiser,
                                                                        busy_session):
    page = text(client.get(f"/admin/sessions/{busy_session.id}/attendees"))
    confirmed, rest = page.split('id="waitlist-heading"')
    waitlist, cancelled = rest.split('id="cancelled-heading"')
    assert "Ada Lovelace" in confirmed and "Brian Kernighan" in confirmed
    assert "ada@example.com" in confirmed and "Lovelace plc" in confirmed
    assert waitlist.index("Cleo Patra") < waitlist.index("Dan Brown")
    assert '<td data-label="Position">1</td>' in waitlist
    assert '<td data-label="Position">2</td>' in waitlist
    assert "Eve Online" in cancelled
    assert "Confirmed (2)" in page and "Waitlist (2)" in page and "Cancelled (1)" in page


def test_organiser_adds_a_member_by_email(client, organiser, mailbox):
    session = make_session(starts_at=THURSDAY_2PM, title="AI at work")
    make_user(email="cio@example.com", name="Carla CIO")
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees",
                           data={"email": " CIO@Example.com "}, follow_redirects=True)
    assert "cio@example.com has a seat and was emailed." in text(response)
    reg = db.session.scalar(select(Registration))
    assert (reg.status, reg.source, reg.user.name) == ("confirmed", "organiser", "Carla CIO")
    assert [m["Subject"] for m in mailbox.to("cio@example.com")] == \
        ["Your seat is confirmed: AI at work"]


def test_an_address_without_account_gets_a_held_seat(client, organiser, mailbox):
    session = make_session(starts_at=THURSDAY_2PM, title="AI at work")
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees",
                           data={"email": "newcomer@example.com"}, follow_redirects=True)
    page = text(response)
    assert "newcomer@example.com has a seat and was invited to create an account." in page
    assert "newcomer@example.com (invited)" in page
    assert [m["Subject"] for m in mailbox.to("newcomer@example.com")] == \
        ["A seat is held for you: AI at work"]


def test_adding_to_a_full_session_puts_the_person_on_the_waitlist(client, organiser, busy_session):
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees",
                           data={"email": "late@example.com"}, follow_redirects=True)
    assert "late@example.com is on the waitlist at position 3" in text(response)


@pytest.mark.parametrize("email,message", [
    ("not-an-address", "Enter a valid email address, like name@company.com."),
    ("", "Enter an email address."),
])
def test_a_bad_address_is_refused_at_the_field(client, organiser, email, message):
    session = make_session(starts_at=THURSDAY_2PM)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees", data={"email": email})
    assert response.status_code == 200
    assert f'<p class="error" id="email-error">{message}</p>' in text(response)
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_adding_someone_to_a_draft_is_refused_clearly(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM, status=SessionStatus.DRAFT)
    db.session.commit()
    response = client.post(f"/admin/sessions/{session.id}/attendees",
                           data={"email": "cio@example.com"})
    assert ('<p class="error" id="email-error">This session is not open for sign-up.</p>'
            in text(response))
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_removing_a_confirmed_attendee_frees_the_seat_for_the_waitlist(client, organiser,
                                                                       busy_session, mailbox):
    ada = db.session.scalar(select(Registration).where(Registration.session_id == busy_session.id)
                            .order_by(Registration.id))
    mailbox.clear()
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{ada.id}/remove",
                           follow_redirects=True)
    assert "Ada Lovelace was removed and has been emailed." in text(response)
    db.session.refresh(ada)
    assert ada.status == "cancelled"
    groups = signups.attendees(busy_session)
    assert [r.user.name for r in groups["confirmed"]] == ["Brian Kernighan", "Cleo Patra"]
    assert len(mailbox.to("ada@example.com")) == 1 and len(mailbox.to("cleo@example.com")) == 1


def test_removing_someone_twice_is_explained(client, organiser, busy_session):
    eve = signups.attendees(busy_session)["cancelled"][0]
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{eve.id}/remove",
                           follow_redirects=True)
    assert response.status_code == 200
    assert "This sign-up is already cancelled." in text(response)


def test_promoting_gives_a_seat_beyond_capacity(client, organiser, busy_session, mailbox):
    dan = signups.attendees(busy_session)["waitlisted"][1]
    mailbox.clear()
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{dan.id}/promote",
                           follow_redirects=True)
    assert "Dan Brown now has a seat and has been emailed." in text(response)
    db.session.refresh(dan)
    assert dan.status == "confirmed"
    assert [m["Subject"] for m in mailbox.to("dan@example.com")] == \
        ["A seat is now yours: AI at work"]


def test_promoting_a_confirmed_attendee_is_explained(client, organiser, busy_session):
    ada = signups.attendees(busy_session)["confirmed"][0]
    response = client.post(f"/admin/sessions/{busy_session.id}/attendees/{ada.id}/promote",
                           follow_redirects=True)
    assert "Only someone on the waitlist can be promoted." in text(response)


def test_csv_export_lists_everyone_with_status_and_position(client, organiser, busy_session):
    response = client.get(f"/admin/sessions/{busy_session.id}/attendees.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="ai-at-work-{busy_session.id}-attendees.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["status", "position", "name", "email", "organisation", "job_title",
                       "signed_up_at", "source", "outcome", "attended_at", "attendance_source"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("confirmed", "", "Ada Lovelace"), ("confirmed", "", "Brian Kernighan"),
        ("waitlisted", "1", "Cleo Patra"), ("waitlisted", "2", "Dan Brown"),
        ("cancelled", "", "Eve Online")]
    assert rows[1][3:6] == ["ada@example.com", "Lovelace plc", "CIO"]
    assert rows[1][6].startswith("2027-01-04T09:00") and rows[1][7] == "member"


def test_csv_export_defuses_spreadsheet_formulas(client, organiser):
    session = make_session(starts_at=THURSDAY_2PM)
    signups.sign_up(make_user(name="=HYPERLINK(\"http://evil\")", organisation="+Evil"), session)
    db.session.commit()
    body = client.get(f"/admin/sessions/{session.id}/attendees.csv").get_data().decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row[2] == "'=HYPERLINK(\"http://evil\")" and row[4] == "'+Evil"
