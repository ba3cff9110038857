"""The web edge: who is asking, the one "call a service, then commit or show the error" step,
security headers, error pages and template helpers."""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, Request, abort, current_app, flash, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from community.core import ratelimit
from community.core.errors import DomainError
from community.core.markdown import render_markdown, stored
from community.core.timeutil import format_local, format_local_date, zone_label
from community.db import MAX_ID, db


class ClosingRequest(Request):
    """A request that closes every temporary file its form parser opened, also when parsing
    stopped half-way (a body over the limit, a broken multipart): Werkzeug leaves those to the
    garbage collector, which keeps file handles open under a stream of bad uploads."""

    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        """The parser's file for one upload, remembered so that `close` can close it."""
        stream = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        self.environ.setdefault("community.upload_files", []).append(stream)
        return stream

    def close(self) -> None:
        """Close the parsed files and any the parser opened before it stopped."""
        super().close()
        for stream in self.environ.pop("community.upload_files", []):
            stream.close()


def viewer():
    """The logged-in user, or None for an anonymous visitor (what services take as a viewer)."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def show_error(form, exc: DomainError, names: dict | None = None, default: str | None = None) -> None:
    """Show a domain error next to the form field it names (`names` maps a service's field
    name to the form's, `default` is used when it names none), else at the top of the form."""
    name = (names or {}).get(exc.field, exc.field) or default
    if name and name in form:
        form[name].errors = [*form[name].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


@dataclass
class Outcome:
    """How an `attempt` ended: `ok` after the commit, `error` when a rule was broken."""

    ok: bool = False
    error: DomainError | None = None


@contextmanager
def attempt(form=None, *, names: dict | None = None, default: str | None = None,
            quiet: bool = False) -> Iterator[Outcome]:
    """Run the service calls in the block as one transaction at the edge.

    On a DomainError the transaction is rolled back and the message is shown on `form` (next
    to its field) or, without a form, flashed (`quiet` leaves showing it to the view, which
    finds it in `outcome.error`); otherwise the transaction is committed. The view then looks
    at `outcome.ok` to redirect or re-render::

        with attempt(form) as outcome:
            services.do_something(viewer(), ...)
        if outcome.ok:
            return redirect(...)
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        db.session.rollback()
        outcome.error = exc
        if quiet:
            return
        if form is not None:
            show_error(form, exc, names, default)
        else:
            flash(exc.message, "error")
        return
    db.session.commit()
    outcome.ok = True

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _security_headers(response):
    """Add the strict CSP and related headers to every response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


class DatabaseId(IntegerConverter):
    """`<int:...>` in addresses: werkzeug's, but no larger than an id column holds, so an
    absurd id is a 404 rather than an error binding it to a query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _page_in_range():
    """A page number (?page=) that no list could reach is a 404, before a query binds it."""
    page = request.args.get("page", type=int)
    if page is not None and page > MAX_ID:
        abort(404)


def takes_files(view):
    """Mark a view whose form takes uploaded files; every other form takes text only."""
    view.takes_files = True
    return view


def _form_bodies_only():
    """A post carries a form. Flask-WTF would read a JSON body, or a file sent in place of a text
    field, as the form's data, and the validators expect text (a 500 in Length): no page sends
    JSON (the scripts send FormData), so a JSON body is a 415, and a file is a 400 unless the
    view is marked with `takes_files`."""
    if request.url_rule is None or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    if request.is_json:
        abort(415)
    if request.files and not getattr(current_app.view_functions.get(request.endpoint), "takes_files", False):
        abort(400)
    return None


ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "There is nothing at this address. It may have moved or never existed."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than we accept."),
    415: ("Not a form", "Send this from the form on the page."),
    429: ("Slow down", "Too many attempts in a short time. Please wait a minute and try again."),
    500: ("Something went wrong", "An unexpected error happened on our side. It has been logged."),
}


def _render_error(code: int, detail: str | None = None):
    """Render an error page in the site layout."""
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def _handle_http(exc: HTTPException):
    """Show HTTP errors in the layout, keeping headers such as Retry-After."""
    body, code = _render_error(exc.code or 500)
    response = exc.get_response()
    response.set_data(body)
    response.status_code = code
    response.mimetype = "text/html"
    return response


def init_app(app: Flask) -> None:
    """Trust the configured proxies; install headers, error handlers and template helpers."""
    ratelimit.init_app(app)
    app.request_class = ClosingRequest
    app.url_map.converters["int"] = DatabaseId  # before the blueprints add their rules
    app.before_request(_page_in_range)
    app.before_request(_form_bodies_only)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(
        CSRFError,
        lambda exc: _render_error(
            400, "This form has expired or was not sent from this site. Please reload the page and try again."
        ),
    )
    app.register_error_handler(500, lambda exc: _render_error(500))
    app.add_template_filter(format_local, "localtime")
    app.add_template_filter(format_local_date, "localdate")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(stored, "stored")

    @app.context_processor
    def layout_values():
        """Values every page's layout needs."""
        return {"community_name": app.config["COMMUNITY_NAME"], "zone_label": zone_label}
