"""Cadence arithmetic: which dates a series falls on, and their instants in UTC."""
import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def occurrence_dates(start: date, interval_weeks: int, after: date, count: int) -> list[date]:
    """The first `count` cadence dates on or after `after`."""
    step = 7 * interval_weeks
    k = 0 if after <= start else math.ceil((after - start).days / step)
    return [start + timedelta(days=step * (k + i)) for i in range(count)]


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a local wall-clock time in an IANA zone (DST-aware)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_date(instant: datetime, zone: str) -> date:
    """The calendar date of an instant in a zone."""
    return instant.astimezone(ZoneInfo(zone)).date()
