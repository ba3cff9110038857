"""Writing and running polls: create, edit, reorder, duplicate, copy, open, close, delete, and
publishing a closed poll's results."""
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.accounts.roles import require_organiser
from community.core import signals
from community.core.errors import DomainError
from community.db import db, utcnow
from community.polls.models import (
    BEFORE,
    CONTEXT_MAX,
    DEFAULT_SCALE_LABELS,
    LIVE,
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_MAX,
    QUESTION_MAX,
    SCALE_POINTS,
    Audience,
    Poll,
    PollKind,
    PollOption,
    PollStatus,
    ResultsVisibility,
)
from community.polls.services.rules import require_manager
from community.sessions.models import Session, SessionStatus

#: What cannot change once members may have answered: it would change the meaning of answers.
STRUCTURE = ("kind", "options", "max_choices", "two_rounds")


def clean_options(kind: str, labels: list[str]) -> list[str]:
    """The option labels to store: trimmed, blanks dropped, checked against the kind's rules."""
    labels = [" ".join(label.split()) for label in labels if label and label.strip()]
    if kind == PollKind.SCALE:
        if not labels:
            return list(DEFAULT_SCALE_LABELS)
        if len(labels) != SCALE_POINTS:
            raise DomainError(f"A scale needs exactly {SCALE_POINTS} labels, from 1 to {SCALE_POINTS} "
                              "(or none for Strongly disagree … Strongly agree).", "options")
    elif not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
        raise DomainError(f"Give between {MIN_OPTIONS} and {MAX_OPTIONS} options, one per line.", "options")
    if any(len(label) > OPTION_MAX for label in labels):
        raise DomainError(f"Keep each option under {OPTION_MAX} characters.", "options")
    if len({label.casefold() for label in labels}) != len(labels):
        raise DomainError("Two options say the same thing; make each one different.", "options")
    return labels


def _check(fields: dict) -> dict:
    """Check and normalise the fields of a poll; raise DomainError naming the field at fault."""
    question = " ".join((fields.get("question") or "").split())
    if not question:
        raise DomainError("Enter the question.", "question")
    if len(question) > QUESTION_MAX:
        raise DomainError(f"Keep the question under {QUESTION_MAX} characters.", "question")
    context = (fields.get("context") or "").strip()
    if len(context) > CONTEXT_MAX:
        raise DomainError(f"Keep the context under {CONTEXT_MAX} characters.", "context")
    kind = fields.get("kind")
    if kind not in set(PollKind):
        raise DomainError("Choose single choice, multiple choice or a 1–5 scale.", "kind")
    options = clean_options(kind, list(fields.get("options") or []))
    max_choices = fields.get("max_choices") if kind == PollKind.MULTIPLE else None
    if max_choices is not None and not 2 <= max_choices <= len(options):
        raise DomainError(f"The most a member may pick is between 2 and the number of options "
                          f"({len(options)}); leave it empty for no limit.", "max_choices")
    if max_choices == len(options):
        max_choices = None
    if fields.get("audience", Audience.MEMBERS) not in set(Audience):
        raise DomainError("Choose who may answer.", "audience")
    if fields.get("results_visibility", ResultsVisibility.AFTER_ANSWER) not in set(ResultsVisibility):
        raise DomainError("Choose when members see the results.", "results_visibility")
    return {**fields, "question": question, "context": context, "options": options,
            "max_choices": max_choices}


def _next_position(session_id: int) -> int:
    """The position after the session's last poll."""
    last = db.session.scalar(select(func.max(Poll.position)).where(Poll.session_id == session_id))
    return (last or 0) + 1


def create_poll(actor: User, session: Session, *, question: str, kind: str, options: list[str],
                context: str = "", max_choices: int | None = None, allow_comment: bool = False,
                audience: str = Audience.MEMBERS,
                results_visibility: str = ResultsVisibility.AFTER_ANSWER,
                two_rounds: bool = False) -> Poll:
    """Add a draft poll at the end of the session's polls."""
    require_organiser(actor)
    if session.status in (SessionStatus.CANCELLED, SessionStatus.SKIPPED):
        raise DomainError("A cancelled or skipped session cannot get new polls.")
    f = _check({"question": question, "context": context, "kind": kind, "options": options,
                "max_choices": max_choices, "audience": audience,
                "results_visibility": results_visibility})
    poll = Poll(session=session, position=_next_position(session.id), question=f["question"],
                context=f["context"], kind=kind, max_choices=f["max_choices"],
                allow_comment=bool(allow_comment), audience=audience,
                results_visibility=results_visibility, two_rounds=bool(two_rounds),
                status=PollStatus.DRAFT, created_by_id=actor.id,
                options=[PollOption(position=i, label=label) for i, label in enumerate(f["options"], 1)])
    db.session.add(poll)
    db.session.flush()
    return poll


def update_poll(actor: User, poll: Poll, **fields) -> Poll:
    """Edit a poll; its kind, options and rounds only while it is a draft."""
    require_organiser(actor)
    current = {"question": poll.question, "context": poll.context, "kind": poll.kind,
               "options": [o.label for o in poll.options], "max_choices": poll.max_choices,
               "allow_comment": poll.allow_comment, "audience": poll.audience,
               "results_visibility": poll.results_visibility, "two_rounds": poll.two_rounds}
    f = _check({**current, **fields})
    if poll.status != PollStatus.DRAFT:
        changed = [name for name in STRUCTURE if f[name] != current[name]]
        if changed:
            raise DomainError("Members may already have answered, so the kind, options and rounds "
                              "cannot change. Duplicate the poll to ask something different.",
                              changed[0])
    if f["options"] != current["options"]:
        poll.options = [PollOption(position=i, label=label) for i, label in enumerate(f["options"], 1)]
    for name in ("question", "context", "kind", "max_choices", "audience", "results_visibility"):
        setattr(poll, name, f[name])
    poll.allow_comment, poll.two_rounds = bool(f["allow_comment"]), bool(f["two_rounds"])
    poll.updated_at = utcnow()
    db.session.flush()
    return poll


def session_polls(session: Session, *, drafts: bool = True) -> list[Poll]:
    """The session's polls in order, options loaded."""
    query = (select(Poll).options(selectinload(Poll.options)).where(Poll.session_id == session.id)
             .order_by(Poll.position, Poll.id))
    if not drafts:
        query = query.where(Poll.status != PollStatus.DRAFT)
    return list(db.session.scalars(query))


def move_poll(actor: User, poll: Poll, step: int) -> None:
    """Move a poll one place up (step -1) or down (step +1) among the session's polls."""
    require_organiser(actor)
    polls = session_polls(poll.session)
    index = next(i for i, p in enumerate(polls) if p.id == poll.id)
    target = index + step
    if not 0 <= target < len(polls):
        raise DomainError("This poll is already " + ("first." if step < 0 else "last."))
    polls[index], polls[target] = polls[target], polls[index]
    for position, item in enumerate(polls, 1):
        item.position = position
    db.session.flush()


def copy_poll(actor: User, source: Poll, session: Session) -> Poll:
    """A new draft in `session` asking the same question as `source` (duplicate or copy over)."""
    require_organiser(actor)
    return create_poll(actor, session, question=source.question, context=source.context,
                       kind=source.kind, options=[o.label for o in source.options],
                       max_choices=source.max_choices, allow_comment=source.allow_comment,
                       audience=source.audience, results_visibility=source.results_visibility,
                       two_rounds=source.two_rounds)


def copy_sources(session: Session, limit: int = 200) -> list[Poll]:
    """Polls of other sessions to copy from, latest session first."""
    return list(db.session.scalars(
        select(Poll).join(Session, Session.id == Poll.session_id)
        .options(selectinload(Poll.session))
        .where(Poll.session_id != session.id)
        .order_by(Session.starts_at.desc(), Poll.position).limit(limit)))


def delete_poll(actor: User, poll: Poll) -> None:
    """Delete a draft (once opened, a poll holds answers: close it instead)."""
    require_organiser(actor)
    if poll.status != PollStatus.DRAFT:
        raise DomainError("Only a draft can be deleted; close an opened poll instead.")
    db.session.delete(poll)
    db.session.flush()


def _transition(poll: Poll, from_status: tuple[str, ...], *, round_: int | None = None, **values) -> bool:
    """Change a poll's state with one guarded UPDATE, so two clicks cannot both apply."""
    stmt = (update(Poll).where(Poll.id == poll.id, Poll.status.in_(from_status))
            .values(**values, updated_at=utcnow()).execution_options(synchronize_session=False))
    if round_ is not None:
        stmt = stmt.where(Poll.round == round_)
    done = db.session.execute(stmt).rowcount == 1
    db.session.refresh(poll)
    return done


def _state(poll: Poll) -> dict:
    """What `signals.poll_state_changed` reports of a poll: its status and round."""
    return {"status": str(poll.status), "round": poll.round}


def _reopened(poll: Poll, actor: User, before: dict) -> None:
    """Tell the receivers a poll was opened again; results that were public are private now."""
    after = _state(poll)
    if before.pop("results_public", False):
        before["results_public"], after["results_public"] = True, False
    signals.poll_state_changed.send(poll, actor=actor, before=before, after=after)


def open_poll(actor: User, poll: Poll) -> None:
    """Open a draft for answers, or reopen a closed poll (same round); results an organiser had
    published become private again, since the numbers will change."""
    require_manager(actor, poll.session)
    if poll.session.status != SessionStatus.PUBLISHED:
        raise DomainError("Publish the session before opening its polls.")
    before = {**_state(poll), "results_public": poll.results_public}
    if not _transition(poll, (PollStatus.DRAFT, PollStatus.CLOSED), status=PollStatus.OPEN,
                       opened_at=utcnow(), closed_at=None, results_public=False):
        raise DomainError("This poll is already open.")
    _reopened(poll, actor, before)


def close_poll(actor: User, poll: Poll) -> None:
    """Stop taking answers; members then see the results if the poll says so."""
    require_manager(actor, poll.session)
    before = _state(poll)
    if not _transition(poll, (PollStatus.OPEN,), status=PollStatus.CLOSED, closed_at=utcnow()):
        raise DomainError("This poll is not open.")
    signals.poll_state_changed.send(poll, actor=actor, before=before, after=_state(poll))


def start_live_round(actor: User, poll: Poll) -> None:
    """Ask a two-round poll again, live: the pre-read answers stay as the "before" figures."""
    require_manager(actor, poll.session)
    if not poll.two_rounds:
        raise DomainError("This poll is asked once; it has no live round.")
    if poll.session.status != SessionStatus.PUBLISHED:
        raise DomainError("Publish the session before opening its polls.")
    before = {**_state(poll), "results_public": poll.results_public}
    if not _transition(poll, (PollStatus.OPEN, PollStatus.CLOSED), round_=BEFORE, round=LIVE,
                       status=PollStatus.OPEN, opened_at=utcnow(), closed_at=None,
                       results_public=False):
        raise DomainError("The live round has already started." if poll.round == LIVE
                          else "Open the pre-read round first.")
    _reopened(poll, actor, before)


def set_results_public(actor: User, poll: Poll, public: bool) -> bool:
    """Publish the results of a closed poll to everyone, visitors and the API included (counts
    only, never comments), or make them private again; False when they already were so."""
    require_organiser(actor)
    done = _transition_visibility(poll, public)
    if public and not poll.is_closed:
        raise DomainError("Close the poll before publishing its results: closing fixes the numbers."
                          if poll.is_open else "A draft has no results to publish; open and close it first.")
    if not done:
        return False
    signals.poll_state_changed.send(poll, actor=actor, before={"results_public": not public},
                                    after={"results_public": public})
    return True


def _transition_visibility(poll: Poll, public: bool) -> bool:
    """Set `results_public` with one guarded UPDATE (a publish only while the poll is closed), so
    a poll reopened meanwhile is not published and two clicks record one change."""
    stmt = (update(Poll).where(Poll.id == poll.id, Poll.results_public.is_(not public))
            .values(results_public=public, updated_at=utcnow())
            .execution_options(synchronize_session=False))
    if public:
        stmt = stmt.where(Poll.status == PollStatus.CLOSED)
    done = db.session.execute(stmt).rowcount == 1
    db.session.refresh(poll)
    return done
