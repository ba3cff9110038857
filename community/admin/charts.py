"""The geometry of the dashboard's server-rendered SVG charts: bars in viewBox units, which the
template `admin/_charts.html` draws and `static/css/dashboard.css` colours (no inline style: the
Content Security Policy forbids it)."""
from dataclasses import dataclass, field

from community.admin.dashboard import Dashboard, duration_words
from community.core.timeutil import format_local_date

#: Horizontal bar charts: a line with the label (left) and the value (right) above each bar.
ROW_WIDTH, ROW_HEIGHT, ROW_TOP, BAR_THICKNESS = 400, 42, 4, 14
#: Column charts: the plot area inside the margins.
COL_WIDTH, COL_HEIGHT = 560, 240
COL_LEFT, COL_RIGHT, COL_TOP, COL_BOTTOM = 36, 8, 12, 30
LABEL_CHARS = 40


@dataclass(frozen=True)
class Bar:
    """One bar: where it stands, its class (its colour) and what it says."""

    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Text:
    """A label drawn on the chart."""

    x: float
    y: float
    text: str
    css: str = "chart-label"
    anchor: str = "start"


@dataclass(frozen=True)
class Line:
    """A grid or axis line."""

    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "chart-grid"


@dataclass(frozen=True)
class Chart:
    """An SVG chart: its id (for aria-labelledby), title, description and the shapes to draw."""

    id: str
    title: str
    desc: str
    width: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    #: (css class, label) of each series, for the legend beside the chart.
    legend: list[tuple[str, str]] = field(default_factory=list)


def _short(label: str) -> str:
    """A label cut to fit its line."""
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Row:
    """One row of a horizontal bar chart."""

    label: str
    value: float
    text: str
    css: str = "bar-a"


def bar_rows(chart_id: str, title: str, desc: str, rows: list[Row], *, scale: float | None = None) -> Chart:
    """Horizontal bars, one row each, scaled to `scale` (100 for percentages; else the largest
    value). A bar longer than the scale (a session filled beyond capacity) stops at the edge."""
    top = max([scale or 0, *(r.value for r in rows)]) or 1
    chart = Chart(chart_id, title, desc, ROW_WIDTH, ROW_TOP + ROW_HEIGHT * len(rows))
    for i, row in enumerate(rows):
        y = ROW_TOP + ROW_HEIGHT * i
        chart.texts.append(Text(0, y + 13, _short(row.label)))
        chart.texts.append(Text(ROW_WIDTH, y + 13, row.text, "chart-value", "end"))
        middle = y + 19 + BAR_THICKNESS / 2
        chart.lines.append(Line(0, middle, ROW_WIDTH, middle, "chart-track"))
        width = ROW_WIDTH * min(row.value, top) / top
        chart.bars.append(Bar(0, y + 19, max(width, 1.5), BAR_THICKNESS, row.css, f"{row.label}: {row.text}"))
    return chart


def nice_top(value: int) -> int:
    """A round upper bound for an axis (1, 2, 5, 10, 20, 50 ...) at or above `value`."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


@dataclass(frozen=True)
class Group:
    """One group of columns (a week): its label (shown when `shown`) and one value per series."""

    label: str
    values: tuple[int, ...]
    titles: tuple[str, ...]
    shown: bool = True


def columns(chart_id: str, title: str, desc: str, groups: list[Group],
            series: list[tuple[str, str]]) -> Chart:
    """Grouped vertical columns over a counted axis (0 to a round top, gridlines at half and top)."""
    top = nice_top(max([1, *(v for g in groups for v in g.values)]))
    plot_w = COL_WIDTH - COL_LEFT - COL_RIGHT
    plot_h = COL_HEIGHT - COL_TOP - COL_BOTTOM
    base = COL_TOP + plot_h
    chart = Chart(chart_id, title, desc, COL_WIDTH, COL_HEIGHT, legend=series)
    for tick in sorted({0, top // 2, top} if top > 1 else {0, top}):
        y = base - plot_h * tick / top
        css = "chart-axis" if tick == 0 else "chart-grid"
        chart.lines.append(Line(COL_LEFT, y, COL_WIDTH - COL_RIGHT, y, css))
        chart.texts.append(Text(COL_LEFT - 6, y + 4, str(tick), "chart-tick", "end"))
    slot = plot_w / max(len(groups), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    for i, group in enumerate(groups):
        x0 = COL_LEFT + slot * i + slot * 0.1
        for j, ((css, _name), value, label) in enumerate(
                zip(series, group.values, group.titles, strict=True)):
            height = plot_h * value / top
            chart.bars.append(Bar(x0 + bar_w * j, base - height, bar_w, height, css, label))
        if group.shown:
            middle = COL_LEFT + slot * i + slot / 2
            chart.texts.append(Text(middle, base + 18, group.label, "chart-tick", "middle"))
    return chart


# The dashboard's charts -------------------------------------------------------------------------

def _session_label(title: str, starts_at) -> str:
    """A session in a chart: its title and its day in the viewer's zone."""
    return f"{title} · {format_local_date(starts_at, '%-d %b %Y')}"


def _rate_text(rate: int | None) -> str:
    """A percentage, or a dash when there is nothing to divide by."""
    return "–" if rate is None else f"{rate}%"


def dashboard_charts(board: Dashboard) -> dict[str, Chart]:
    """Each chart of the dashboard that has something to show, by name."""
    charts: dict[str, Chart] = {}
    if board.upcoming:
        charts["upcoming"] = bar_rows(
            "chart-upcoming", "Fill rate of the next sessions",
            "Confirmed seats as a share of the capacity for each of the next published sessions.",
            [Row(_session_label(u.session.title, u.session.starts_at), u.fill_rate or 0,
                 f"{_rate_text(u.fill_rate)} ({u.confirmed}/{u.session.capacity})",
                 "bar-full" if u.confirmed >= u.session.capacity else "bar-a")
             for u in board.upcoming], scale=100)
    if any(w.joined or w.confirmed for w in board.weeks):
        charts["members"] = columns(
            "chart-members", f"Members joined and confirmed per week, last {len(board.weeks)} weeks",
            "Accounts made and addresses confirmed in each week, Monday to Sunday in the community's zone.",
            [Group(w.starts.strftime("%-d %b"), (w.joined, w.confirmed),
                   (f"Week of {w.starts:%-d %b %Y}: {w.joined} joined",
                    f"Week of {w.starts:%-d %b %Y}: {w.confirmed} confirmed"),
                   shown=(len(board.weeks) - 1 - i) % 4 == 0)
             for i, w in enumerate(board.weeks)],
            [("bar-a", "Joined"), ("bar-b", "Confirmed")])
    if board.attendance.sessions:
        charts["attendance"] = bar_rows(
            "chart-attendance", "No-show rate per session",
            "Confirmed seats not marked attended, as a share of the confirmed seats, for each session "
            "that ended in the period and whose attendance was taken.",
            [Row(_session_label(s.title, s.starts_at), s.no_show_rate or 0,
                 f"{_rate_text(s.no_show_rate)} ({s.no_shows}/{s.confirmed})", "bar-alert")
             for s in board.attendance.sessions], scale=100)
    if board.polls:
        charts["polls"] = bar_rows(
            "chart-polls", "Poll participation per session",
            "Confirmed attendees who answered any poll of the session, as a share of its "
            "confirmed attendees.",
            [Row(_session_label(p.session.title, p.session.starts_at), p.rate or 0,
                 f"{_rate_text(p.rate)} ({p.answered}/{p.session.confirmed})", "bar-b")
             for p in board.polls], scale=100)
    if board.fastest:
        charts["filled"] = bar_rows(
            "chart-filled", "Sessions that filled fastest",
            "Time from publication to the last seat taken, shortest first.",
            [Row(_session_label(f.session.title, f.session.starts_at), f.time_to_fill.total_seconds(),
                 duration_words(f.time_to_fill)) for f in board.fastest])
    if board.emails:
        charts["emails"] = bar_rows(
            "chart-emails", "Emails failed or bounced by kind",
            "Messages written in the period that could not be delivered, per kind of email.",
            [Row(e.label, e.total, f"{e.total} ({e.failed} failed, {e.bounced} bounced)", "bar-alert")
             for e in board.emails])
    return charts
