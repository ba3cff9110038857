"""Who may run a session's polls, who may answer one, and who sees its results."""
from community.accounts.models import Role, User
from community.accounts.roles import is_organiser
from community.core.errors import DomainError, NotAllowed
from community.polls.models import Audience, Poll, PollStatus, ResultsVisibility
from community.sessions.models import Session, SessionStatus


def is_manager(user: User | None, session: Session) -> bool:
    """Organisers, and analysts who host the session, run its polls and always see results."""
    if user is None:
        return False
    if is_organiser(user):
        return True
    return user.role == Role.ANALYST and any(h.id == user.id for h in session.hosts)


def require_manager(actor: User | None, session: Session) -> None:
    """Refuse anyone who may not run the session's polls."""
    if not is_manager(actor, session):
        raise NotAllowed("Only organisers and the session's hosts can run its polls.")


def answer_problem(user: User | None, poll: Poll, is_attendee: bool) -> str | None:
    """Why this viewer cannot answer the poll now, in words for them; None when they can."""
    if poll.session.status == SessionStatus.CANCELLED:
        return "This session has been cancelled, so its polls take no answers."
    if poll.status == PollStatus.DRAFT or poll.session.status != SessionStatus.PUBLISHED:
        return "This poll is not open yet."
    if poll.status == PollStatus.CLOSED:
        return "This poll is closed; answers are no longer accepted."
    if user is None:
        return "Log in as a member to answer."
    if not user.is_confirmed:
        return "Confirm your email address to answer polls."
    if poll.audience == Audience.ATTENDEES and not is_attendee:
        return "Only confirmed attendees of this session answer this poll."
    return None


def check_can_answer(user: User | None, poll: Poll, is_attendee: bool) -> None:
    """Raise the reason the member may not answer, if there is one."""
    problem = answer_problem(user, poll, is_attendee)
    if problem is None:
        return
    if poll.status == PollStatus.OPEN and poll.session.status == SessionStatus.PUBLISHED:
        raise NotAllowed(problem)
    raise DomainError(problem)


def results_public(poll: Poll) -> bool:
    """Whether anyone, a visitor too, sees the poll's results: only once it is closed (closing
    fixes the numbers) and an organiser chose to publish them."""
    return poll.results_public and poll.status == PollStatus.CLOSED


def results_visible(poll: Poll, viewer: User | None, *, manager: bool, answered: bool) -> bool:
    """Whether the viewer sees the current results, per the poll's setting (members only: the
    community's answers are not for the public, unless an organiser published a closed poll's)."""
    if manager or results_public(poll):
        return True
    if viewer is None:
        return False
    if poll.status == PollStatus.DRAFT:
        return False
    if poll.results_visibility == ResultsVisibility.ORGANISERS:
        return False
    if poll.status == PollStatus.CLOSED:
        return True
    return poll.results_visibility == ResultsVisibility.AFTER_ANSWER and answered


def comments_visible(viewer: User | None) -> bool:
    """Whether the viewer may read the "why?" comments of a poll whose results they see: never
    visitors, even of published results (a comment is the community's words, not a count)."""
    return viewer is not None


def results_note(poll: Poll, viewer: User | None) -> str:
    """What a member who cannot see the results yet is told about them ("" for visitors,
    who are asked to log in instead)."""
    if viewer is None:
        return ""
    if poll.results_visibility == ResultsVisibility.ORGANISERS:
        return "The results are for the organisers; the hosts will share them in the session."
    if poll.results_visibility == ResultsVisibility.AFTER_CLOSE:
        return "Results appear here when the poll closes."
    return "Answer to see what others think."
