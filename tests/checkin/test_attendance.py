"""Check-in rules: who marks, when, what a mark records and signals, walk-ins of both kinds."""
from datetime import UTC, datetime

import pytest

from community.accounts import services as accounts
from community.core.errors import DomainError, NotAllowed
from community.db import db
from community.sessions.models import SessionStatus
from community.signups import attendance
from community.signups import services as signups
from tests.checkin.conftest import STARTS
from tests.factories import make_session


def test_a_host_marks_an_attendee_and_the_signal_says_who_and_how(day, marked):
    reg = day.reg(day.ada)

    assert attendance.mark(day.host, reg) is True
    db.session.commit()

    reg = day.reg(day.ada)
    assert reg.attended_at == datetime(2027, 1, 14, 14, 30, tzinfo=UTC)
    assert reg.attendance_source == "check-in"
    assert marked == [(reg.id, {"actor": day.host, "attended": True, "source": "check-in"})]


def test_undo_clears_the_mark_and_signals_it_with_the_way_it_was_marked(day, marked):
    reg = day.reg(day.ada)
    attendance.mark(day.organiser, reg, source="zoom")

    assert attendance.mark(day.organiser, reg, attended=False) is True

    assert reg.attended_at is None and reg.attendance_source == ""
    assert marked[-1] == (reg.id, {"actor": day.organiser, "attended": False, "source": "zoom"})


def test_marking_again_changes_nothing_and_signals_nothing(day, marked):
    reg = day.reg(day.ada)
    attendance.mark(day.host, reg)
    first = reg.attended_at
    day.clock.shift(600)

    assert attendance.mark(day.host, reg) is False
    assert attendance.mark(day.host, day.reg(day.zed), attended=False) is False

    assert reg.attended_at == first and len(marked) == 1


@pytest.mark.parametrize("who", ["analyst", "member", "ada"])
def test_only_organisers_and_the_sessions_hosts_may_check_in(day, who):
    user = getattr(day, who)
    assert not attendance.may_check_in(user, day.session)
    with pytest.raises(NotAllowed):
        attendance.mark(user, day.reg(day.ada))
    with pytest.raises(NotAllowed):
        attendance.walk_in(user, day.session, "new@example.com", name="New Person")
    assert day.reg(day.ada).attended_at is None


def test_a_host_demoted_to_member_no_longer_checks_in(day):
    day.host.role = "member"
    assert not attendance.may_check_in(day.host, day.session)
    assert not attendance.may_check_in(None, day.session)


def test_check_in_opens_at_midnight_of_the_session_day_in_its_zone_and_closes_two_weeks_after(day):
    # 09:00 in Tokyo on Friday is Thursday 00:00 UTC: the session's own zone decides the day.
    tokyo = make_session(starts_at=datetime(2027, 1, 15, 0, 30, tzinfo=UTC),
                         ends_at=datetime(2027, 1, 15, 1, 30, tzinfo=UTC), timezone="Asia/Tokyo",
                         hosts=[day.host], slug="tokyo")
    opens, closes = attendance.window(tokyo)
    assert opens == datetime(2027, 1, 14, 15, 0, tzinfo=UTC)  # midnight on the 15th in Tokyo
    assert closes == datetime(2027, 1, 29, 1, 30, tzinfo=UTC)
    assert attendance.state(tokyo, datetime(2027, 1, 14, 14, 59, tzinfo=UTC)) == "not_yet"
    assert attendance.state(tokyo, opens) == "open"
    assert attendance.state(tokyo, closes) == "open"
    assert attendance.state(tokyo, datetime(2027, 1, 29, 1, 31, tzinfo=UTC)) == "closed"


def test_nothing_is_marked_before_the_day_or_after_check_in_closed(day):
    reg = day.reg(day.ada)
    day.clock.move_to(datetime(2027, 1, 13, 23, 59, tzinfo=UTC))
    with pytest.raises(DomainError, match="opens on the day"):
        attendance.mark(day.host, reg)
    day.clock.move_to(datetime(2027, 1, 28, 15, 1, tzinfo=UTC))
    with pytest.raises(DomainError, match="closed 14 days after"):
        attendance.mark(day.host, reg)
    day.clock.move_to(datetime(2027, 1, 14, 0, 0, tzinfo=UTC))
    assert attendance.mark(day.host, reg) is True


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.DRAFT])
def test_a_cancelled_or_unpublished_session_is_not_checked_in(day, status):
    day.session.status = status
    with pytest.raises(DomainError):
        attendance.mark(day.organiser, day.reg(day.ada))


def test_a_cancelled_place_cannot_be_marked(day):
    with pytest.raises(DomainError, match="cancelled their place"):
        attendance.mark(day.host, day.reg(day.carla))


def test_someone_on_the_waitlist_is_marked_and_keeps_their_place(day, mailbox):
    reg = day.reg(day.wendy)
    attendance.mark(day.host, reg)
    db.session.commit()

    reg = day.reg(day.wendy)
    assert reg.status == "waitlisted" and reg.attended_at is not None
    assert attendance.counts(day.session) == attendance.Counts(expected=3, attended=0, from_waitlist=1,
                                                               waitlisted=1)
    assert mailbox.messages == []


def test_counts_are_attended_over_confirmed_seats(day):
    attendance.mark(day.host, day.reg(day.ada))
    attendance.mark(day.host, day.reg(day.larry))
    assert attendance.counts(day.session) == attendance.Counts(expected=3, attended=2, from_waitlist=0,
                                                               waitlisted=1)


@pytest.mark.parametrize("query,names", [
    ("ada", ["Ada Attendee"]),
    ("ATTENDEE", ["Ada Attendee"]),
    ("northwind", ["Ada Attendee"]),
    ("zed@example", ["Zed Zero-Show"]),
    ("contoso_", ["Wendy Waitlisted"]),
    ("la", ["Late Larry", "Wendy Waitlisted"]),
    ("late larry", ["Late Larry"]),
    ("%", []),
    ("carla", []),
    ("", ["Ada Attendee", "Late Larry", "Wendy Waitlisted", "Zed Zero-Show"]),
])
def test_the_list_is_searched_by_part_of_a_name_email_or_organisation(day, query, names):
    assert [r.display_name for r in attendance.roster(day.session, query)] == names


# Walk-ins ----------------------------------------------------------------------------------

def test_a_member_walking_in_gets_a_seat_beyond_the_capacity_and_is_marked(day, marked, mailbox):
    done = attendance.walk_in(day.host, day.session, " Bob@Example.com ")
    db.session.commit()

    reg = day.reg(day.member)
    assert (done.was, done.new_account, done.marked) == ("new", False, True)
    assert reg.status == "confirmed" and reg.source == "walk-in"
    assert reg.attendance_source == "walk-in" and reg.attended_at is not None
    assert attendance.counts(day.session).expected == 4  # over the capacity of 3
    assert marked == [(reg.id, {"actor": day.host, "attended": True, "source": "walk-in"})]
    assert mailbox.messages == []  # no invitation for a session under way


def test_a_walk_in_from_the_waitlist_or_after_cancelling_gets_a_seat(day):
    assert attendance.walk_in(day.host, day.session, "wendy@example.com").was == "waitlisted"
    assert attendance.walk_in(day.host, day.session, "carla@example.com").was == "cancelled"
    for user in (day.wendy, day.carla):
        reg = day.reg(user)
        assert reg.status == "confirmed" and reg.cancelled_at is None and reg.waitlisted_at is None
        assert reg.attended_at is not None


def test_a_walk_in_who_had_a_seat_is_simply_checked_in_and_only_once(day):
    done = attendance.walk_in(day.host, day.session, "ada.attendee@example.com")
    assert (done.was, done.marked) == ("confirmed", True)
    assert day.reg(day.ada).attendance_source == "check-in"
    assert attendance.walk_in(day.host, day.session, "ada.attendee@example.com").marked is False


def test_a_newcomer_walking_in_gets_an_account_a_seat_and_the_confirmation_email(day, mailbox, client):
    done = attendance.walk_in(day.organiser, day.session, "Nia@Newco.example", name="Nia Newcomer",
                              organisation="Newco")
    db.session.commit()

    nia = accounts.get_by_email("nia@newco.example")
    assert done.new_account and nia.name == "Nia Newcomer" and nia.organisation == "Newco"
    assert not nia.is_confirmed and nia.role == "member"
    reg = signups.registration_for(nia, day.session)
    assert reg.status == "confirmed" and reg.attendance_source == "walk-in"
    [email] = mailbox.to("nia@newco.example")
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert email["Subject"] == "Confirm your email address"
    assert "You were checked in at \"Is good enough, enough?\"" in text
    assert "/password/forgot" in text
    link = next(word for word in text.split() if "/confirm/" in word)
    client.get(link.split("127.0.0.1:5000", 1)[1])
    assert accounts.get_by_email("nia@newco.example").is_confirmed


def test_a_newcomer_needs_a_name(day):
    with pytest.raises(DomainError) as error:
        attendance.walk_in(day.host, day.session, "nameless@example.com")
    assert error.value.field == "name"
    assert accounts.get_by_email("nameless@example.com") is None


def test_a_walk_in_takes_over_the_seat_held_for_their_address(day, mailbox):
    day.clock.move_to(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    held = signups.add_by_email(day.organiser, day.session, "guest@example.com")
    held.status = "waitlisted"
    db.session.commit()
    day.clock.move_to(STARTS)

    done = attendance.walk_in(day.host, day.session, "guest@example.com", name="Gus Guest")
    db.session.commit()

    assert done.registration.id == held.id and done.was == "waitlisted"
    guest = accounts.get_by_email("guest@example.com")
    reg = signups.registration_for(guest, day.session)
    assert reg.id == held.id and reg.invited_email is None and reg.status == "confirmed"
    accounts.mark_confirmed(guest)  # claiming held seats finds nothing more to claim
    db.session.commit()


def test_an_unconfirmed_account_walking_in_is_sent_the_link_again(day, mailbox):
    from tests.factories import make_user

    una = make_user(name="Una Unconfirmed", email="una@example.com", confirmed=False)
    db.session.commit()
    done = attendance.walk_in(day.host, day.session, "una@example.com")
    db.session.commit()
    assert not done.new_account and done.marked
    assert len(mailbox.to("una@example.com")) == 1
    assert signups.registration_for(una, day.session).status == "confirmed"


def test_a_deactivated_account_is_not_checked_in(day):
    day.member.deactivated_at = datetime(2027, 1, 10, tzinfo=UTC)
    db.session.commit()
    with pytest.raises(DomainError, match="deactivated"):
        attendance.walk_in(day.host, day.session, "bob@example.com")
