"""Results: counts and percentages per option, computed in SQL with one grouped query;
the before/after shift of a poll asked twice; comments; the breakdown by job title."""
from dataclasses import dataclass

from sqlalchemy import Integer, cast, func, null, select, union_all

from community.db import db
from community.polls.models import BEFORE, LIVE, Poll, PollAnswer, PollChoice, PollKind
from community.polls.services.groups import job_group, suppress_small_groups


@dataclass(frozen=True)
class OptionResult:
    """How many respondents picked one option, and their share of all respondents."""

    option_id: int
    label: str
    count: int
    percent: float

    @property
    def percent_text(self) -> str:
        """The share rounded for people: "42%"."""
        return f"{round(self.percent)}%"


@dataclass(frozen=True)
class RoundResult:
    """The result of one round (or of one job-title group in it)."""

    round: int
    respondents: int
    options: list[OptionResult]
    #: The average point on a 1-5 scale; None for other kinds or no answers.
    mean: float | None
    label: str = ""

    @property
    def respondents_text(self) -> str:
        """ "1 answer", "12 answers"."""
        return f"{self.respondents} answer{'' if self.respondents == 1 else 's'}"


@dataclass(frozen=True)
class ShiftRow:
    """One option before the session and live, with the change in percentage points."""

    before: OptionResult
    live: OptionResult

    @property
    def points(self) -> int:
        """Live share minus the pre-read share, in whole percentage points."""
        return round(self.live.percent) - round(self.before.percent)

    @property
    def text(self) -> str:
        """ "up 12 points", "down 3 points", "no change"."""
        if self.points == 0:
            return "no change"
        word = "up" if self.points > 0 else "down"
        return f"{word} {abs(self.points)} point{'' if abs(self.points) == 1 else 's'}"


@dataclass(frozen=True)
class PollResults:
    """What a poll's results page shows: the current round and, in a live round, the shift."""

    poll_id: int
    current: RoundResult
    #: The pre-read round, when a poll asked twice is in its live round.
    before: RoundResult | None

    @property
    def shift(self) -> list[ShiftRow]:
        """Before and live side by side, per option (empty unless in a live round)."""
        if self.before is None:
            return []
        return [ShiftRow(b, c) for b, c in zip(self.before.options, self.current.options, strict=True)]


def _round_result(poll: Poll, round_: int, respondents: int, counts: dict[int, int],
                  label: str = "") -> RoundResult:
    """Shares of respondents per option, in the poll's option order."""
    options = [OptionResult(o.id, o.label, counts.get(o.id, 0),
                            100 * counts.get(o.id, 0) / respondents if respondents else 0.0)
               for o in poll.options]
    mean = None
    if poll.kind == PollKind.SCALE and respondents:
        mean = sum(point * r.count for point, r in enumerate(options, 1)) / respondents
    return RoundResult(round_, respondents, options, mean, label)


def tally_rows(poll_ids) -> dict[tuple[int, int], tuple[int, dict[int, int]]]:
    """(respondents, {option id: count}) per (poll id, round), from ONE grouped statement: the
    choices grouped by option, and the answers grouped by round (marked by a NULL option)."""
    ids = list(poll_ids)
    if not ids:
        return {}
    per_option = (select(PollAnswer.poll_id, PollAnswer.round, PollChoice.option_id,
                         func.count().label("n"))
                  .join(PollChoice, PollChoice.answer_id == PollAnswer.id)
                  .where(PollAnswer.poll_id.in_(ids))
                  .group_by(PollAnswer.poll_id, PollAnswer.round, PollChoice.option_id))
    per_round = (select(PollAnswer.poll_id, PollAnswer.round, cast(null(), Integer), func.count())
                 .where(PollAnswer.poll_id.in_(ids))
                 .group_by(PollAnswer.poll_id, PollAnswer.round))
    found: dict[tuple[int, int], tuple[int, dict[int, int]]] = {}
    for poll_id, round_, option_id, n in db.session.execute(union_all(per_option, per_round)):
        respondents, counts = found.get((poll_id, round_), (0, {}))
        if option_id is None:
            respondents = n
        else:
            counts[option_id] = n
        found[(poll_id, round_)] = (respondents, counts)
    return found


def results_for(polls: list[Poll]) -> dict[int, PollResults]:
    """The results of several polls (their current rounds, and the shift in live rounds)."""
    rows = tally_rows(p.id for p in polls)
    results = {}
    for poll in polls:
        current = _round_result(poll, poll.round, *rows.get((poll.id, poll.round), (0, {})),
                                label=poll.round_label())
        before = None
        if poll.in_live_round:
            before = _round_result(poll, BEFORE, *rows.get((poll.id, BEFORE), (0, {})),
                                   label=poll.round_label(BEFORE))
        results[poll.id] = PollResults(poll.id, current, before)
    return results


def tally(poll: Poll) -> PollResults:
    """One poll's results."""
    return results_for([poll])[poll.id]


def comments(poll_ids, limit: int = 500) -> dict[tuple[int, int], list[str]]:
    """The "why?" comments per (poll id, round), latest first, without names."""
    ids = list(poll_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(PollAnswer.poll_id, PollAnswer.round, PollAnswer.comment)
        .where(PollAnswer.poll_id.in_(ids), PollAnswer.comment != "")
        .order_by(PollAnswer.updated_at.desc(), PollAnswer.id.desc()).limit(limit))
    found: dict[tuple[int, int], list[str]] = {}
    for poll_id, round_, comment in rows:
        found.setdefault((poll_id, round_), []).append(comment)
    return found


@dataclass(frozen=True)
class Breakdown:
    """One round's result per job-title group; groups under five answers are not shown."""

    round: int
    label: str
    groups: list[RoundResult]
    #: Answers in groups too small to show that were not shown in any other way.
    hidden: int


def breakdown(poll: Poll) -> list[Breakdown]:
    """The result by job-title group for each round that has answers (one grouped query)."""
    answers = (select(PollAnswer.id.label("answer_id"), PollAnswer.round.label("round"),
                      job_group().label("grp"))
               .outerjoin(PollAnswer.user).where(PollAnswer.poll_id == poll.id).subquery())
    per_option = (select(answers.c.round, answers.c.grp, PollChoice.option_id, func.count())
                  .join(PollChoice, PollChoice.answer_id == answers.c.answer_id)
                  .group_by(answers.c.round, answers.c.grp, PollChoice.option_id))
    per_group = (select(answers.c.round, answers.c.grp, cast(null(), Integer), func.count())
                 .group_by(answers.c.round, answers.c.grp))
    data: dict[int, dict[str, tuple[int, dict[int, int]]]] = {}
    for round_, group, option_id, n in db.session.execute(union_all(per_option, per_group)):
        respondents, counts = data.setdefault(round_, {}).get(group, (0, {}))
        if option_id is None:
            respondents = n
        else:
            counts[option_id] = n
        data[round_][group] = (respondents, counts)
    result = []
    for round_ in sorted(data):
        groups = data[round_]
        shown, combined, hidden = suppress_small_groups({g: n for g, (n, _) in groups.items()})
        rows = [_round_result(poll, round_, *groups[g], label=g) for g in shown]
        if combined:
            counts: dict[int, int] = {}
            for g in combined:
                for option_id, n in groups[g][1].items():
                    counts[option_id] = counts.get(option_id, 0) + n
            rows.append(_round_result(poll, round_, sum(groups[g][0] for g in combined), counts,
                                      label="Smaller groups together"))
        result.append(Breakdown(round_, poll.round_label(round_), rows, hidden))
    return result


def rounds_with_results(poll: Poll) -> list[RoundResult]:
    """Every round of the poll that can have answers, for the organisers' page and the CSV."""
    rows = tally_rows([poll.id])
    rounds = [BEFORE, LIVE] if poll.in_live_round else [poll.round]
    return [_round_result(poll, r, *rows.get((poll.id, r), (0, {})), label=poll.round_label(r))
            for r in rounds]
