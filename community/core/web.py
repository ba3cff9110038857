"""Request-wide behaviour: security headers, error pages and template helpers."""
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from community.core.markdown import render_markdown
from community.core.timeutil import format_local, format_local_date, zone_label

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


ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "There is nothing at this address. It may have moved or never existed."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than we accept."),
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
    """Install headers, error handlers and template helpers."""
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

    @app.context_processor
    def layout_values():
        """Values every page's layout needs."""
        return {"community_name": app.config["COMMUNITY_NAME"], "zone_label": zone_label}
