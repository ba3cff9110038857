"""Helpers for the organisers' panel tests: the fixed clock, valid forms as the browser sends them,
and a page's text."""
import html
from datetime import UTC, datetime

#: A Monday morning in January: London is on GMT (= UTC), Paris on CET (UTC+1).
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
THURSDAY_2PM = datetime(2027, 1, 14, 14, 0, tzinfo=UTC)


def series_form(**overrides):
    """A valid series form, as the browser sends it."""
    data = {"title": "CIO Roundtable", "description": "Peers, **one** question.",
            "start_date": "2027-01-07", "local_time": "14:00", "timezone": "Europe/London",
            "interval_weeks": "2", "duration_minutes": "60", "capacity": "30",
            "format": "online", "venue": "", "join_url": "https://meet.example.com/cio"}
    data.update(overrides)
    return data


def session_form(**overrides):
    """A valid session form: Thursday 14 January 2027, 14:00-15:00 London."""
    data = {"title": "Is good enough, enough?", "description": "A roundtable.",
            "date": "2027-01-14", "start_time": "14:00", "end_time": "15:00",
            "timezone": "Europe/London", "capacity": "10", "format": "online", "venue": "",
            "join_url": "https://meet.example.com/roundtable"}
    data.update(overrides)
    return data


def text(response) -> str:
    """The response body as text, with HTML entities (&#39; and the like) decoded."""
    return html.unescape(response.get_data(as_text=True))
