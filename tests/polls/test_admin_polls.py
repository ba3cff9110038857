"""The organisers' poll pages: write, edit, reorder, duplicate, copy, run, results and CSV."""
import csv
import io

import pytest

from community.db import db
from community.polls import services
from community.polls.models import Poll, PollStatus
from tests.factories import make_poll, make_session, make_user, option_ids
from tests.polls.helpers import bulk_answers, bulk_members


def _base(session):
    return f"/admin/sessions/{session.id}/polls"


def _csv(response) -> list[list[str]]:
    """The rows of a CSV download (without the byte-order mark for Excel)."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def poll_form(**overrides):
    """A valid poll form, as the browser sends it."""
    data = {"question": "Is good enough, enough?", "context": "Where is the line?", "kind": "single",
            "options": "Yes\nNo\n\nIt depends\n", "max_choices": "", "audience": "members",
            "results_visibility": "after_answer"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_members_and_analysts_may_not_use_the_poll_pages(client, auth):
    session = make_session()
    user = make_user(role="analyst", email="ann@example.com")
    db.session.commit()
    assert client.get(_base(session)).status_code == 302
    auth.login(user)
    assert client.get(_base(session)).status_code == 403
    assert client.post(f"{_base(session)}/new", data=poll_form()).status_code == 403
    assert db.session.query(Poll).count() == 0


def test_organiser_writes_a_poll_and_sees_it_listed(client, organiser):
    session = make_session()
    db.session.commit()
    page = client.get(f"{_base(session)}/new").get_data(as_text=True)
    assert "New poll" in page and "Kind of answer" in page
    response = client.post(f"{_base(session)}/new", data=poll_form(allow_comment="y", two_rounds="y"),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Draft poll “Is good enough, enough?” added." in page
    assert "Single choice" in page and "asked twice" in page and "3 options" in page
    poll = db.session.query(Poll).one()
    assert [o.label for o in poll.options] == ["Yes", "No", "It depends"]
    assert poll.allow_comment and poll.two_rounds and poll.status == PollStatus.DRAFT


@pytest.mark.parametrize(("overrides", "message"), [
    ({"question": ""}, "Enter the question."),
    ({"options": "Only one"}, "Give between 2 and 12 options"),
    ({"kind": "scale", "options": "Low\nHigh"}, "A scale needs exactly 5 labels"),
    ({"kind": "multiple", "max_choices": "9"}, "The most a member may pick is between 2 and"),
    ({"max_choices": "one"}, "Not a valid integer value."),
])
def test_a_poll_with_mistakes_is_shown_again_with_the_errors(client, organiser, overrides, message):
    session = make_session()
    db.session.commit()
    response = client.post(f"{_base(session)}/new", data=poll_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and 'aria-invalid="true"' in page
    assert db.session.query(Poll).count() == 0


def test_once_opened_only_wording_and_settings_can_be_edited(client, organiser):
    poll = make_poll(question="Is good enough enough")
    db.session.commit()
    url = f"{_base(poll.session)}/{poll.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "its kind, options and rounds are fixed" in page and 'name="options"' not in page
    response = client.post(url, data={"question": "Is good enough, enough?", "context": "",
                                      "audience": "attendees", "results_visibility": "after_close"},
                           follow_redirects=True)
    assert "The poll is saved." in response.get_data(as_text=True)
    db.session.refresh(poll)
    assert (poll.question, poll.audience, poll.results_visibility) == \
        ("Is good enough, enough?", "attendees", "after_close")
    assert [o.label for o in poll.options] == ["Yes", "No", "It depends"]


def test_a_draft_can_change_its_options(client, organiser):
    poll = make_poll(status="draft")
    db.session.commit()
    client.post(f"{_base(poll.session)}/{poll.id}/edit",
                data=poll_form(kind="multiple", options="Revenue\nCost\nRisk", max_choices="2"))
    db.session.refresh(poll)
    assert (poll.kind, poll.max_choices, [o.label for o in poll.options]) == \
        ("multiple", 2, ["Revenue", "Cost", "Risk"])


def test_row_buttons_run_reorder_duplicate_and_delete(client, organiser):
    session = make_session()
    first = make_poll(session, question="First", status="draft", position=1)
    second = make_poll(session, question="Second", status="draft", position=2)
    db.session.commit()
    base = _base(session)
    response = client.post(f"{base}/{second.id}/up", follow_redirects=True)
    assert "“Second” moved up." in response.get_data(as_text=True)
    assert [p.question for p in services.session_polls(session)] == ["Second", "First"]
    client.post(f"{base}/{first.id}/duplicate")
    assert [p.question for p in services.session_polls(session)] == ["Second", "First", "First"]
    client.post(f"{base}/{first.id}/open")
    response = client.post(f"{base}/{first.id}/delete", follow_redirects=True)
    assert "Only a draft can be deleted" in response.get_data(as_text=True)
    response = client.post(f"{base}/{second.id}/delete", follow_redirects=True)
    assert "The draft “Second” is deleted." in response.get_data(as_text=True)
    assert [p.question for p in services.session_polls(session)] == ["First", "First"]


def test_open_close_and_the_live_round_from_the_list(client, organiser):
    poll = make_poll(status="draft", two_rounds=True)
    db.session.commit()
    base = f"{_base(poll.session)}/{poll.id}"
    assert "is open for answers" in client.post(f"{base}/open", follow_redirects=True).get_data(as_text=True)
    page = client.post(f"{base}/close", follow_redirects=True).get_data(as_text=True)
    assert "is closed" in page and "Start live round" in page and "Reopen" in page
    assert "live round of" in client.post(f"{base}/live", follow_redirects=True).get_data(as_text=True)
    db.session.refresh(poll)
    assert (poll.status, poll.round) == ("open", 2)


def test_a_poll_is_copied_from_an_earlier_session(client, organiser):
    earlier = make_session(title="Earlier roundtable", slug="earlier")
    source = make_poll(earlier, question="What is the real return of perfect data?")
    later = make_session(title="Later roundtable", slug="later")
    db.session.commit()
    page = client.get(_base(later)).get_data(as_text=True)
    assert "Copy a poll from an earlier session" in page and 'optgroup label="Earlier roundtable' in page
    response = client.post(f"{_base(later)}/copy", data={"source": source.id}, follow_redirects=True)
    assert "“What is the real return of perfect data?” copied as a draft." in response.get_data(as_text=True)
    copy = db.session.query(Poll).filter_by(session_id=later.id).one()
    assert copy.status == "draft" and [o.label for o in copy.options] == ["Yes", "No", "It depends"]
    response = client.post(f"{_base(later)}/copy", data={"source": 9999})
    assert response.status_code == 400 and "no longer exists" in response.get_data(as_text=True)


def test_results_page_breaks_down_by_job_title_and_exports_csv(client, organiser):
    poll = make_poll(allow_comment=True)
    yes, no = option_ids(poll, "Yes", "No")
    bulk_answers(poll, bulk_members(6, lambda i: "CIO"), lambda i: [yes])
    bulk_answers(poll, bulk_members(5, lambda i: "Chief Digital Officer"), lambda i: [yes])
    bulk_answers(poll, bulk_members(3, lambda i: "Chief Marketing Officer"), lambda i: [no])
    services.answer(make_user(job_title="CMO"), poll, [no], "=HYPERLINK(\"http://evil\")")
    db.session.commit()
    base = f"{_base(poll.session)}/{poll.id}"
    page = client.get(f"{base}/results").get_data(as_text=True)
    assert "15 answers" in page and "By job title" in page
    # 4 CMOs are too few to show; shown beside CDO and CIO they could be worked out from the
    # total, so the CDOs join them as "Smaller groups together".
    assert ">CIO</th>" in page and ">CMO</th>" not in page and ">CDO</th>" not in page
    assert ">Smaller groups together</th>" in page
    response = client.get(f"{base}/results.csv")
    assert response.mimetype == "text/csv"
    rows = _csv(response)
    assert rows[0] == ["round", "group", "option", "answers", "respondents", "percent"]
    assert ["Only round", "All answers", "Yes", "11", "15", "73.3"] in rows
    assert ["Only round", "CIO", "Yes", "6", "6", "100.0"] in rows
    assert ["Only round", "Smaller groups together", "No", "4", "9", "44.4"] in rows
    assert not any(row[1] in ("CMO", "CDO") for row in rows)
    rows = _csv(client.get(f"{base}/comments.csv"))
    assert rows == [["round", "comment"], ["Only round", "'=HYPERLINK(\"http://evil\")"]]


def test_poll_pages_of_another_session_are_not_found(client, organiser):
    poll = make_poll()
    other = make_session(title="Other", slug="other")
    db.session.commit()
    assert client.get(f"{_base(other)}/{poll.id}/edit").status_code == 404
    assert client.get(f"{_base(other)}/{poll.id}/results").status_code == 404
    assert client.post(f"{_base(other)}/{poll.id}/close").status_code == 404
