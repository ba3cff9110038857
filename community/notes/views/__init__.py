"""Note pages: reading and search (reading.py), writing, history and files (writing.py); both
add their routes to the blueprint defined in common.py."""
from community.notes.views import reading, writing
from community.notes.views.common import bp

__all__ = ["bp", "reading", "writing"]
