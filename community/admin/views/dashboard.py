"""The dashboard's figures as spreadsheets: one CSV per chart, for the period the page shows."""
from flask import abort

from community.admin.blueprint import bp
from community.admin.dashboard import Dashboard, duration_words
from community.admin.views.overview import current_dashboard
from community.core.spreadsheet import csv_response


def _stamp(value) -> str:
    """A moment in UTC as ISO 8601, or empty."""
    return value.isoformat(timespec="seconds") if value else ""


def _rate(value: int | None) -> str:
    """A percentage cell: the number, or empty when there was nothing to divide by."""
    return "" if value is None else str(value)


def _upcoming(board: Dashboard):
    header = ["session", "starts_at_utc", "capacity", "confirmed", "fill_rate_percent", "waitlisted"]
    return header, [(u.session.title, _stamp(u.session.starts_at), u.session.capacity, u.confirmed,
                     _rate(u.fill_rate), u.waitlisted) for u in board.upcoming]


def _members(board: Dashboard):
    header = [f"week_starting ({board.zone.key})", "joined", "confirmed"]
    return header, [(w.starts.isoformat(), w.joined, w.confirmed) for w in board.weeks]


def _attendance(board: Dashboard):
    header = ["session", "starts_at_utc", "counted", "confirmed", "attended", "no_shows",
              "no_show_rate_percent"]
    att = board.attendance
    rows = [(s.title, _stamp(s.starts_at), "yes", s.confirmed, s.attended, s.no_shows, _rate(s.no_show_rate))
            for s in att.sessions]
    rows += [(s.title, _stamp(s.starts_at), "no: attendance not taken", s.confirmed, "", "", "")
             for s in att.not_taken]
    return header, sorted(rows, key=lambda r: r[1])


def _polls(board: Dashboard):
    header = ["session", "starts_at_utc", "polls", "confirmed_attendees", "attendees_who_answered",
              "participation_percent", "everyone_who_answered"]
    return header, [(p.session.title, _stamp(p.session.starts_at), p.polls, p.session.confirmed, p.answered,
                     _rate(p.rate), p.answered_anyone) for p in board.polls]


def _filled(board: Dashboard):
    header = ["session", "starts_at_utc", "published_at_utc", "filled_at_utc", "hours_to_fill",
              "time_to_fill"]
    return header, [(f.session.title, _stamp(f.session.starts_at), _stamp(f.session.published_at),
                     _stamp(f.session.filled_at), f"{f.time_to_fill.total_seconds() / 3600:.2f}",
                     duration_words(f.time_to_fill)) for f in board.fastest]


def _emails(board: Dashboard):
    header = ["kind", "failed", "bounced", "total"]
    return header, [(e.kind, e.failed, e.bounced, e.total) for e in board.emails]


#: Each chart's CSV: its rows and whether the period applies (the weekly chart is six months).
TABLES = {"upcoming": (_upcoming, False), "members": (_members, False), "attendance": (_attendance, True),
          "polls": (_polls, True), "filled": (_filled, True), "emails": (_emails, True)}


@bp.get("/dashboard/<any(upcoming, members, attendance, polls, filled, emails):chart>.csv")
def dashboard_csv(chart: str):
    """One chart's figures as a spreadsheet, every cell safe from formula injection."""
    if chart not in TABLES:  # the route's converter allows only these
        abort(404)
    board = current_dashboard()
    rows, per_period = TABLES[chart]
    header, data = rows(board)
    name = f"dashboard-{chart}-{board.days}-days.csv" if per_period else f"dashboard-{chart}.csv"
    return csv_response(header, data, name)
