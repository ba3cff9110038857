"""Admin pages for series: list, create, edit, and generating occurrences."""

from flask import flash, redirect, render_template, request, url_for

from community.admin.blueprint import bp
from community.admin.forms import ActionForm, GenerateForm, SeriesForm
from community.admin.views.common import PER_PAGE, SERIES_FIELDS
from community.core.web import attempt, viewer
from community.db import db
from community.sessions import services
from community.sessions.models import Series
from community.signups import services as signups


@bp.get("/series", endpoint="series_list")
def series_list():
    """Every series with its cadence and how many upcoming sessions it has, by status."""
    page = db.paginate(services.all_series(), per_page=PER_PAGE, error_out=False)
    upcoming = services.upcoming_counts_by_status(s.id for s in page.items)
    return render_template("admin/series_list.html", page=page, upcoming=upcoming)


def _series_fields(form: SeriesForm) -> dict:
    """The series attributes the form holds."""
    return {name: form[name].data if form[name].data is not None else "" for name in SERIES_FIELDS}


@bp.route("/series/new", methods=["GET", "POST"])
def series_new():
    """Add a series and its cadence."""
    form = SeriesForm(timezone=viewer().timezone)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            series = services.create_series(viewer(), **_series_fields(form))
        if outcome.ok:
            flash(f"Series “{series.title}” created. Generate its first sessions below.", "success")
            return redirect(url_for("admin.series_detail", series_id=series.id))
    return render_template("admin/series_form.html", form=form, series=None)


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
def series_edit(series_id: int):
    """Change a series' details and cadence (existing sessions keep theirs)."""
    series = db.get_or_404(Series, series_id)
    form = SeriesForm(obj=series if request.method == "GET" else None)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.update_series(viewer(), series, **_series_fields(form))
        if outcome.ok:
            flash(f"Series “{series.title}” saved. Sessions already created keep their details.",
                  "success")
            return redirect(url_for("admin.series_detail", series_id=series.id))
    return render_template("admin/series_form.html", form=form, series=series)


def _render_series(series: Series, generate: GenerateForm):
    """The series page: its cadence, its upcoming and recent sessions, and the generate form."""
    upcoming, past = services.panel_series_sessions(series)
    counts = signups.seat_counts(s.id for s in [*upcoming, *past])
    return render_template("admin/series_detail.html", series=series, upcoming=upcoming,
                           past=past, counts=counts, generate=generate, form=ActionForm())


@bp.get("/series/<int:series_id>")
def series_detail(series_id: int):
    """One series and all its sessions, whatever their status."""
    return _render_series(db.get_or_404(Series, series_id), GenerateForm())


@bp.post("/series/<int:series_id>/generate")
def series_generate(series_id: int):
    """Create drafts for the next cadence dates."""
    series = db.get_or_404(Series, series_id)
    form = GenerateForm()
    if form.validate_on_submit():
        with attempt(form, default="count") as outcome:
            created = services.generate_occurrences(viewer(), series, form.count.data)
        if outcome.ok:
            if created:
                n = len(created)
                flash(f"{n} draft session{'' if n == 1 else 's'} created. Review and publish "
                      "them when they are ready.", "success")
            else:
                flash(f"No new drafts: the next {form.count.data} dates of the cadence already "
                      "have sessions.", "info")
            return redirect(url_for("admin.series_detail", series_id=series.id))
    return _render_series(series, form)
