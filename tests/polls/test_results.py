"""Results: counts and shares computed in SQL, the shift between rounds, job-title breakdowns."""
import pytest

from community.accounts import gdpr
from community.db import db
from community.polls import services
from community.polls.services.groups import suppress_small_groups
from tests.conftest import count_queries
from tests.factories import make_poll, make_user, option_ids
from tests.polls.helpers import bulk_answers, bulk_members

pytestmark = pytest.mark.usefixtures("app")


def _figures(result):
    return [(o.label, o.count, o.percent_text) for o in result.options]


def test_counts_and_shares_per_option():
    poll = make_poll()
    for label in ["Yes", "Yes", "No", "Yes"]:
        services.answer(make_user(), poll, option_ids(poll, label))
    current = services.tally(poll).current
    assert current.respondents == 4 and current.respondents_text == "4 answers"
    assert _figures(current) == [("Yes", 3, "75%"), ("No", 1, "25%"), ("It depends", 0, "0%")]


def test_multiple_choice_shares_are_of_respondents():
    poll = make_poll(kind="multiple", options=["Revenue", "Cost", "Risk"])
    services.answer(make_user(), poll, option_ids(poll, "Revenue", "Cost"))
    services.answer(make_user(), poll, option_ids(poll, "Revenue"))
    assert _figures(services.tally(poll).current) == [
        ("Revenue", 2, "100%"), ("Cost", 1, "50%"), ("Risk", 0, "0%")]


def test_a_scale_has_an_average():
    poll = make_poll(kind="scale")
    for point in (2, 4, 5):
        services.answer(make_user(), poll, [poll.options[point - 1].id])
    assert services.tally(poll).current.mean == pytest.approx(11 / 3)


def test_no_answers_means_zero_everywhere():
    current = services.tally(make_poll(kind="scale")).current
    assert current.respondents == 0 and current.mean is None
    assert {o.percent_text for o in current.options} == {"0%"}


def test_the_tally_of_ten_thousand_answers_is_one_grouped_query():
    poll = make_poll(kind="multiple", options=["Revenue", "Cost", "Loyalty", "Risk"])
    revenue, cost, loyalty, risk = option_ids(poll, "Revenue", "Cost", "Loyalty", "Risk")
    members = bulk_members(10_000)
    bulk_answers(poll, members,
                 lambda i: [revenue, cost] if i % 10 < 5 else ([loyalty] if i % 10 < 8 else [risk]))
    db.session.commit()
    db.session.expire_all()
    poll.options  # noqa: B018 - load the options outside the count: the tally is what is measured
    with count_queries() as statements:
        current = services.tally(poll).current
    assert len(statements) == 1 and "GROUP BY" in statements[0]
    assert current.respondents == 10_000
    assert _figures(current) == [("Revenue", 5000, "50%"), ("Cost", 5000, "50%"), ("Loyalty", 3000, "30%"),
                                 ("Risk", 2000, "20%")]


def test_a_poll_asked_twice_shows_how_the_room_moved():
    organiser = make_user(role="organiser")
    poll = make_poll(two_rounds=True)
    members = [make_user() for _ in range(4)]
    for member, label in zip(members, ["Yes", "Yes", "Yes", "No"], strict=True):
        services.answer(member, poll, option_ids(poll, label))
    assert services.tally(poll).before is None
    services.start_live_round(organiser, poll)
    for member, label in zip(members, ["Yes", "No", "No", "No"], strict=True):
        services.answer(member, poll, option_ids(poll, label))
    results = services.tally(poll)
    assert results.before.respondents == results.current.respondents == 4
    assert [(s.live.label, s.before.percent_text, s.live.percent_text, s.text) for s in results.shift] == [
        ("Yes", "75%", "25%", "down 50 points"), ("No", "25%", "75%", "up 50 points"),
        ("It depends", "0%", "0%", "no change")]


@pytest.mark.parametrize(("title", "group"), [
    ("CIO", "CIO"), ("Group CIO, Europe", "CIO"), ("Chief Information Officer", "CIO"),
    ("Deputy CIO/CTO", "CIO"), ("Chief Technology Officer", "CTO"), ("Chief Digital Officer", "CDO"),
    ("CDO", "CDO"), ("Chief Marketing Officer", "CMO"),
    ("Head of Customer Experience", "Customer experience"),
    ("Associate Director", "Other roles"), ("Principal Analyst", "Other roles"), ("", "Job title not known"),
])
def test_job_titles_fall_into_groups(title, group):
    poll = make_poll()
    bulk_answers(poll, bulk_members(5, lambda i: title), lambda i: option_ids(poll, "Yes"))
    with count_queries() as statements:
        (b,) = services.breakdown(poll)
    assert len(statements) == 1
    assert [(g.label, g.respondents) for g in b.groups] == [(group, 5)]


def test_one_answer_shows_no_breakdown():
    poll = make_poll()
    services.answer(make_user(job_title="CIO"), poll, option_ids(poll, "Yes"))
    (b,) = services.breakdown(poll)
    assert (b.groups, b.hidden) == ([], 1)


def test_small_groups_are_hidden_and_cannot_be_worked_out_by_subtraction():
    shown, together, hidden = suppress_small_groups({"CIO": 12, "CMO": 6, "CDO": 3})
    assert (shown, together, hidden) == (["CIO"], ["CDO", "CMO"], 0)
    assert suppress_small_groups({"CIO": 12, "CMO": 3, "CDO": 2}) == (["CIO"], ["CDO", "CMO"], 0)
    assert suppress_small_groups({"CIO": 7, "CMO": 2}) == ([], [], 9)
    assert suppress_small_groups({"CIO": 7, "CMO": 5, "CDO": 1}) == (["CIO"], ["CDO", "CMO"], 0)
    assert suppress_small_groups({"CIO": 7, "CMO": 6}) == (["CIO", "CMO"], [], 0)


def test_the_breakdown_shows_groups_of_five_or_more():
    poll = make_poll()
    yes, no = option_ids(poll, "Yes", "No")
    cios = bulk_members(6, lambda i: "CIO")
    cmos = bulk_members(5, lambda i: "Chief Marketing Officer")
    cdos = bulk_members(2, lambda i: "Chief Digital Officer")
    others = bulk_members(4, lambda i: "Head of Procurement")
    bulk_answers(poll, cios, lambda i: [yes])
    bulk_answers(poll, cmos, lambda i: [no] if i < 4 else [yes])
    bulk_answers(poll, cdos + others, lambda i: [no])
    (b,) = services.breakdown(poll)
    rows = {g.label: (g.respondents, [o.percent_text for o in g.options]) for g in b.groups}
    assert rows == {"CIO": (6, ["100%", "0%", "0%"]), "CMO": (5, ["20%", "80%", "0%"]),
                    "Smaller groups together": (6, ["0%", "100%", "0%"])}
    assert b.hidden == 0


def test_deleted_members_still_count_without_a_name_or_job_title():
    poll = make_poll(allow_comment=True)
    leaving = make_user(job_title="CIO")
    services.answer(leaving, poll, option_ids(poll, "No"), "At my bank, good enough is not enough.")
    services.answer(make_user(), poll, option_ids(poll, "Yes"))
    gdpr.delete_account(leaving, "correct horse battery")
    db.session.expire_all()
    assert _figures(services.tally(poll).current)[:2] == [("Yes", 1, "50%"), ("No", 1, "50%")]
    assert services.comments([poll.id]) == {}


def test_comments_are_listed_without_names_latest_first():
    poll = make_poll(allow_comment=True)
    services.answer(make_user(name="Ada"), poll, option_ids(poll, "Yes"), "Budget matters.")
    services.answer(make_user(name="Grace"), poll, option_ids(poll, "No"), "")
    services.answer(make_user(name="Linus"), poll, option_ids(poll, "No"), "Customers notice.")
    assert services.comments([poll.id]) == {(poll.id, 1): ["Customers notice.", "Budget matters."]}
