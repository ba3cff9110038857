"""Members joined and confirmed per week, in the community's zone."""
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from community.accounts.models import User
from community.db import db

#: The weekly members chart covers the last six months.
WEEKS = 26


@dataclass(frozen=True)
class Week:
    """Accounts made and addresses confirmed in one week (Monday to Sunday, community's zone)."""

    starts: date
    joined: int
    confirmed: int


def week_starts(now: datetime, zone: ZoneInfo, weeks: int = WEEKS) -> list[date]:
    """The Mondays that begin the last `weeks` weeks, the current one last."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _per_bucket(column, bounds: list[datetime]) -> dict[int, int]:
    """How many rows have `column` in each [bounds[i], bounds[i + 1]), in one grouped query.
    The bucket is a CASE over the bounds (computed in the community's zone, so daylight saving
    and midnight fall where they should on SQLite and PostgreSQL alike), grouped in an outer
    query because PostgreSQL will not match a GROUP BY to a select-list CASE with parameters."""
    bucket = case(*[(column < bound, i) for i, bound in enumerate(bounds[1:])]).label("bucket")
    inner = select(bucket).where(column >= bounds[0], column < bounds[-1]).subquery()
    rows = db.session.execute(select(inner.c.bucket, func.count()).group_by(inner.c.bucket))
    return {int(i): n for i, n in rows}


def weekly_members(now: datetime, zone: ZoneInfo, weeks: int = WEEKS) -> list[Week]:
    """Members who joined and who confirmed their address, per week (two queries)."""
    starts = week_starts(now, zone, weeks)
    bounds = [datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)
              for d in [*starts, starts[-1] + timedelta(weeks=1)]]
    joined = _per_bucket(User.created_at, bounds)
    confirmed = _per_bucket(User.confirmed_at, bounds)
    return [Week(d, joined.get(i, 0), confirmed.get(i, 0)) for i, d in enumerate(starts)]
