"""Importing a meeting tool's participant list: Teams (UTF-16, tab-separated, sectioned; the
older comma-separated list) and Zoom (with meeting data), with unmatched and repeated rows;
a damaged or unrecognised file marks nobody."""
import codecs

import pytest

from community.core.errors import DomainError
from community.db import db
from community.signups import attendance
from community.signups.participants import MAX_BYTES, read_participants
from tests.checkin.conftest import sample


def _unmatched(result) -> dict[str, str]:
    return {u.name: u.reason for u in result.unmatched}


def test_a_teams_report_in_utf16_marks_the_seats_and_the_waitlist_it_names(day, marked):
    result = attendance.import_participants(day.host, day.session, sample("teams_attendance_report.csv"))
    db.session.commit()

    assert result.participants.tool_name == "Microsoft Teams"
    assert len(result.participants.rows) == 6  # the activities section is not read
    assert [(m.registration.display_name, m.rows, m.marked, m.was_waitlisted) for m in result.matched] == [
        ("Ada Attendee", 2, True, False), ("Wendy Waitlisted", 1, True, True)]
    assert _unmatched(result) == {
        "Hal Host": "No place at this session",
        "Colin Contoso (External)": "No place at this session",  # address from the UPN column
        "+44 20 7946 0000": "No email address in the file",
    }
    assert result.duplicates == 1 and result.newly_marked == 2
    assert day.reg(day.ada).attendance_source == "teams"
    assert day.reg(day.wendy).status == "waitlisted" and day.reg(day.wendy).attended_at is not None
    assert day.reg(day.zed).attended_at is None
    assert {kwargs["source"] for _, kwargs in marked} == {"teams"} and len(marked) == 2


def test_an_older_comma_separated_teams_list_is_read_too(day):
    result = attendance.import_participants(day.host, day.session, sample("teams_legacy_list.csv"))
    assert result.participants.tool == "teams"
    assert [m.registration.display_name for m in result.matched] == ["Ada Attendee"]
    assert _unmatched(result) == {"Bob Bystander": "No place at this session"}


def test_a_zoom_export_matches_by_address_ignoring_case_and_counts_rejoins_once(day):
    result = attendance.import_participants(day.organiser, day.session, sample("zoom_participants.csv"))
    db.session.commit()

    assert result.participants.tool_name == "Zoom"
    assert [(m.registration.display_name, m.rows) for m in result.matched] == [
        ("Ada Attendee", 2), ("Wendy Waitlisted", 1)]
    assert _unmatched(result) == {
        "Carla Cancelled": "Cancelled their place",
        "Hal Host": "No place at this session",
        "Late Larry": "Only in the waiting room",
        '=HYPERLINK("http://evil.example")': "No place at this session",
        "iPhone": "No email address in the file",
    }
    assert result.duplicates == 1
    assert day.reg(day.ada).attendance_source == "zoom"
    assert day.reg(day.larry).attended_at is None and day.reg(day.carla).attended_at is None


def test_importing_the_same_list_again_changes_nothing(day, marked):
    attendance.import_participants(day.host, day.session, sample("zoom_participants.csv"))
    first = day.reg(day.ada).attended_at
    day.clock.shift(3600)
    again = attendance.import_participants(day.host, day.session, sample("zoom_participants.csv"))
    assert again.newly_marked == 0 and [m.marked for m in again.matched] == [False, False]
    assert day.reg(day.ada).attended_at == first and len(marked) == 2


def test_someone_checked_in_at_the_door_keeps_that_mark(day):
    attendance.mark(day.host, day.reg(day.ada))
    attendance.import_participants(day.host, day.session, sample("zoom_participants.csv"))
    assert day.reg(day.ada).attendance_source == "check-in"


@pytest.mark.parametrize("name,data,message", [
    ("cut short", sample("zoom_cut_short.csv"), "Line 3 of the file has 2 columns"),
    ("our own attendee export", sample("attendee_list_not_a_report.csv"), "not a Teams attendance report"),
    ("an image", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "could not be read as text"),
    ("empty", b"  \r\n", "This file is empty"),
    ("a header and nobody", b"Name (Original Name),User Email,Join Time,Duration (Minutes)\r\n",
     "lists nobody"),
    ("UTF-16 garbage", codecs.BOM_UTF16_LE + b"\x00\xd8\x00\xd8", "could not be read as text"),
    ("too large", b"x" * (MAX_BYTES + 1), "larger than 2 MB"),
])
def test_a_malformed_or_unrecognised_file_is_refused_and_marks_nobody(day, marked, name, data, message):
    with pytest.raises(DomainError, match=message):
        attendance.import_participants(day.host, day.session, data)
    db.session.rollback()
    assert marked == []
    assert day.reg(day.ada).attended_at is None


def test_the_import_is_one_transaction_even_when_a_bad_row_comes_late(day, marked):
    with pytest.raises(DomainError):
        attendance.import_participants(day.host, day.session, sample("zoom_cut_short.csv"))
    assert marked == []  # the file is read whole before anyone is marked


def test_utf16_without_a_byte_order_mark_and_a_tab_separated_zoom_file_are_read():
    teams = sample("teams_attendance_report.csv")[2:]
    assert len(read_participants(teams).rows) == 6
    zoom = sample("zoom_participants.csv").decode("utf-8-sig").replace(",", "\t").encode()
    assert read_participants(zoom).tool == "zoom"


def test_importing_is_for_organisers_and_hosts_on_the_day(day):
    with pytest.raises(DomainError):
        attendance.import_participants(day.analyst, day.session, sample("zoom_participants.csv"))
    day.clock.move_to(day.session.starts_at.replace(day=13))
    with pytest.raises(DomainError, match="opens on the day"):
        attendance.import_participants(day.host, day.session, sample("zoom_participants.csv"))
