"""Sign-up requests by email: a member asks for a session by answering one of our emails or
naming the session (its title or its date) in the subject.

The session is found by the thread first (In-Reply-To/References against the Message-IDs we
sent), then by the subject. One session found: a member our server authenticated gets the seat
(or a waitlist place) and the usual invitation; any other member is emailed, at the address on
file, a signed link to confirm. None or several found: the member is emailed the upcoming
sessions, each with such a link. An address with no account gets the join link, once in
INBOUND_JOIN_REPLY_DAYS and only when its domain was authenticated; never an account.

Split by step; import from here: `from community.inbound import requests`.

- `matching`: reading the request: the session asked for, by the thread or the subject
- `answers`: acting on it: the seat, or the email that asks to confirm or lists the sessions
- `links`: the signed link in those emails and its confirmation page's sign-up
"""
from community.inbound.requests.answers import SOURCE, handle, signup_url
from community.inbound.requests.links import confirm_signup, signup_link
from community.inbound.requests.matching import (
    Request,
    dates_in,
    read,
    session_of,
    upcoming_sessions,
)

__all__ = [
    "confirm_signup", "dates_in", "handle", "read", "Request", "session_of", "signup_link",
    "signup_url", "SOURCE", "upcoming_sessions",
]
