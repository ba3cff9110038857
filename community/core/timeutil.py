"""Time helpers: the viewer's zone and dates shown with the zone's name."""
import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app
from flask_login import current_user
from wtforms import SelectChoice


def viewer_zone() -> ZoneInfo:
    """The zone to show times in: the member's own, else the community's."""
    name = getattr(current_user, "timezone", None) or current_app.config["COMMUNITY_TIMEZONE"]
    return ZoneInfo(name)


def _zone(zone: ZoneInfo | str | None) -> ZoneInfo:
    """A ZoneInfo from a name, a ZoneInfo, or None for the viewer's zone."""
    if zone is None:
        return viewer_zone()
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def format_local(value: datetime | None, fmt: str = "%a %-d %b %Y, %H:%M", zone=None) -> str:
    """Format an aware datetime in a zone (the viewer's by default) followed by the zone's abbreviation."""
    if value is None:
        return ""
    local = value.astimezone(_zone(zone))
    return f"{local.strftime(fmt)} {local.tzname()}"


def format_local_date(value: datetime | None, fmt: str = "%-d %B %Y", zone=None) -> str:
    """Format the local date (or any part without the zone) of an aware datetime."""
    if value is None:
        return ""
    return value.astimezone(_zone(zone)).strftime(fmt)


def zone_label(zone=None) -> str:
    """A zone's name for people: 'Europe/London (GMT)'."""
    tz = _zone(zone)
    return f"{str(tz.key).replace('_', ' ')} ({datetime.now(UTC).astimezone(tz).tzname()})"


@functools.cache
def _zone_names() -> frozenset[str]:
    """Every IANA zone name (read from the zone database once per process)."""
    return frozenset(available_timezones())


def zone_choices() -> list[SelectChoice]:
    """IANA zones for a select box, Europe first since most members are there."""
    return list(_sorted_zone_choices())


@functools.cache
def _sorted_zone_choices() -> tuple[SelectChoice, ...]:
    """The select box's zones, sorted once per process rather than on every form."""
    names = sorted(z for z in _zone_names() if "/" in z and not z.startswith("Etc/"))
    europe = [z for z in names if z.startswith("Europe/")]
    rest = [z for z in names if not z.startswith("Europe/")]
    return tuple(SelectChoice(z, z.replace("_", " ")) for z in ["UTC", *europe, *rest])


def is_zone(name: str) -> bool:
    """Whether `name` is a known IANA zone."""
    return name == "UTC" or name in _zone_names()
