"""Note pages: reading and search (reading.py), writing, history and files (writing.py)."""
from community.notes.views.common import bp
from community.notes.views import reading, writing  # noqa: E402,I001 - register the routes

__all__ = ["bp", "reading", "writing"]
