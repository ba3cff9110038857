"""Every table that holds a member's data is covered by the export and the erasure.

The rule is read from the metadata, not from a list kept by hand: a new table with a column
pointing at users and no registered part fails here until its feature registers one.
"""
from community.accounts import gdpr
from community.db import db
from community.invites import services as invites
from community.notes import services as notes
from community.polls import services as polls
from community.sessions import services as sessions
from community.signups import follows
from community.signups import services as signups
from tests.factories import (
    PASSWORD,
    make_attachment,
    make_note,
    make_poll,
    make_series,
    make_session,
    make_user,
    option_ids,
)


def _user_columns() -> list[tuple[str, str]]:
    """(table, column) for every column with a foreign key to users.id."""
    return sorted((table.name, column.name)
                  for table in db.metadata.sorted_tables if table.name != "users"
                  for column in table.columns
                  if any(fk.column.table.name == "users" for fk in column.foreign_keys))


def test_every_table_pointing_at_users_is_claimed_by_one_part(app):
    claimed = [t for part in gdpr.parts() for t in part.tables]
    assert len(claimed) == len(set(claimed)), "a table is claimed by two parts"
    unclaimed = sorted({t for t, _ in _user_columns()} - set(claimed))
    assert unclaimed == [], f"register a gdpr part (export, erase) for {unclaimed}"
    assert set(claimed) <= {t for t, _ in _user_columns()}, "a part claims a table without user data"


def _member_with_data_everywhere():
    """An organiser with a row in every table that points at users."""
    colleague = make_user(role="organiser")
    person = make_user(role="organiser", email="everywhere@example.com")
    session = make_session(capacity=5, series=make_series())
    sessions.update_session(colleague, session, hosts=[person])
    signups.sign_up(person, session)
    follows.follow(person, session.series)
    note = make_note(author=person, sessions=[session], visibility="members")
    notes.update(person, note, message="Second thoughts", body="Changed.")
    make_attachment(note)
    notes.record_open(person, make_note())
    poll = make_poll(session, created_by_id=person.id, allow_comment=True)
    polls.answer(person, poll, option_ids(poll, "Yes"), "Because.")
    invites.message(session, person, subject="Bring your examples", body="See you there.",
                    include_waitlist=False)
    db.session.flush()
    return person


def test_export_has_a_section_for_every_part_and_erasure_leaves_no_trace(app):
    person = _member_with_data_everywhere()
    db.session.commit()
    columns = _user_columns()
    held = {t for t, c in columns
            if db.session.execute(db.text(f"SELECT count(*) FROM {t} WHERE {c} = :u"),
                                  {"u": person.id}).scalar()}
    data = gdpr.export_data(person)
    assert {part.key for part in gdpr.parts()} <= set(data)
    gdpr.delete_account(person, PASSWORD)
    db.session.commit()
    left = {(t, c): db.session.execute(db.text(f"SELECT count(*) FROM {t} WHERE {c} = :u"),
                                       {"u": person.id}).scalar() for t, c in columns}
    assert {k: n for k, n in left.items() if n} == {}
    assert len(held) >= 8, f"the fixture should reach most tables, it reached {sorted(held)}"
