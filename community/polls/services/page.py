"""What the session page and the presenter view show one viewer about each poll."""
from dataclasses import dataclass, field

from community.accounts.models import User
from community.polls.models import BEFORE, Audience, Poll, PollKind, PollStatus
from community.polls.services import rules
from community.polls.services.manage import session_polls
from community.polls.services.results import PollResults, comments, results_for
from community.polls.services.voting import MyAnswer, my_answers
from community.sessions.models import Session
from community.signups.services import holds_seat


@dataclass
class PollView:
    """One poll as one viewer sees it."""

    poll: Poll
    #: Whether the viewer runs the session's polls (organiser or hosting analyst).
    manager: bool
    #: The viewer's answer to the current round, if any.
    mine: MyAnswer | None
    #: In the live round of a poll asked twice: the viewer's pre-read answer.
    before_mine: MyAnswer | None
    #: Why the viewer cannot answer now; None when they can.
    problem: str | None
    show_results: bool
    results: PollResults | None
    #: What a member who does not see the results is told about them.
    results_note: str
    comments: list[str] = field(default_factory=list)
    #: Whether an organiser published the closed poll's results to everyone.
    public: bool = False

    @property
    def can_answer(self) -> bool:
        """Whether the answer form is offered."""
        return self.problem is None

    def labels(self, answer: MyAnswer | None) -> list[str]:
        """The option labels of an answer, in the poll's order ("4 · Agree" on a scale)."""
        if answer is None:
            return []
        scale = self.poll.kind == PollKind.SCALE
        return [f"{point} · {o.label}" if scale else o.label
                for point, o in enumerate(self.poll.options, 1) if o.id in answer.option_ids]


def _with_visible_results(viewer: User | None, polls: list[Poll], manager: bool, answers) -> list[Poll]:
    """Those of `polls` whose current results the viewer sees, by the polls' own rule."""
    return [p for p in polls
            if rules.results_visible(p, viewer, manager=manager, answered=(p.id, p.round) in answers)]


def visible_results(viewer: User | None, session: Session, polls: list[Poll]) -> dict[int, PollResults]:
    """The results of those of the session's `polls` the viewer may see now, by poll id (what
    an email or any other page that shows results must use: the rule of `rules.results_visible`)."""
    answers = my_answers(viewer, [p.id for p in polls])
    shown = _with_visible_results(viewer, polls, rules.is_manager(viewer, session), answers)
    return results_for(shown)


def poll_views(viewer: User | None, session: Session, polls: list[Poll] | None = None) -> list[PollView]:
    """The session's polls for this viewer (drafts only for managers), in a fixed number of queries."""
    manager = rules.is_manager(viewer, session)
    if polls is None:
        polls = session_polls(session, drafts=manager)
    if not polls:
        return []
    needs_seat = any(p.audience == Audience.ATTENDEES and p.status == PollStatus.OPEN for p in polls)
    attendee = holds_seat(viewer, session) if needs_seat else False
    answers = my_answers(viewer, [p.id for p in polls])
    visible = {p.id for p in _with_visible_results(viewer, polls, manager, answers)}
    results = results_for([p for p in polls if p.id in visible])
    notes = comments([p.id for p in polls if p.id in visible and p.allow_comment]
                     if rules.comments_visible(viewer) else [])
    views = []
    for poll in polls:
        views.append(PollView(
            poll=poll, manager=manager, mine=answers.get((poll.id, poll.round)),
            before_mine=answers.get((poll.id, BEFORE)) if poll.in_live_round else None,
            problem=rules.answer_problem(viewer, poll, attendee),
            show_results=poll.id in visible, results=results.get(poll.id),
            results_note=rules.results_note(poll, viewer),
            comments=notes.get((poll.id, poll.round), [])[:20], public=rules.results_public(poll)))
    return views


def poll_view(viewer: User | None, poll: Poll) -> PollView:
    """One poll for this viewer."""
    return poll_views(viewer, poll.session, [poll])[0]


def session_page_values(session: Session, viewer: User | None = None, **_ignored) -> dict:
    """The session page's polls as this viewer sees them (a receiver of `signals.session_page`)."""
    return {"poll_views": poll_views(viewer, session)}
