"""What every figure shares: the periods an organiser picks from, confirmed seats, percentages."""
from community.signups.models import RegistrationStatus

#: The periods an organiser picks from, in days, and the one shown first.
PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
CONFIRMED = RegistrationStatus.CONFIRMED


def period_days(value: str | None) -> int:
    """The period asked for in the query string, or the default for anything else."""
    try:
        days = int(value or "")
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage, rounded half up; None when `whole` is 0."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)
