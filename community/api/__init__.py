"""Read-only JSON API (v1) and its OpenAPI 3 document."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Keep API requests away from the login session: their answers are public and cacheable."""
    from community.api.responses import ApiSessionInterface

    app.session_interface = ApiSessionInterface()
