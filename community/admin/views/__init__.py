"""The organisers' panel: importing this package registers every page on the blueprint."""
from community.admin.blueprint import bp
from community.admin.views import people, sessions

__all__ = ["bp", "people", "sessions"]
