"""Sign-up pages: a member's own place (places.py) and the check-in of a session's attendees
(checkin.py); both add their routes to the blueprint defined in common.py."""
from community.signups.views import checkin, places
from community.signups.views.common import bp

__all__ = ["bp", "checkin", "places"]
