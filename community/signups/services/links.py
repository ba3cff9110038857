"""The cancel links in the emails: the registration a link names, and cancelling by it."""
from community.core.errors import DomainError
from community.db import db
from community.signups.models import Registration
from community.signups.services.queries import CANCELLED
from community.signups.services.seats import _cancel_registration
from community.signups.tokens import issued_mark, read_cancel_token


def registration_for_token(token: str) -> Registration:
    """The registration a cancel link names; DomainError when forged or no longer valid."""
    data = read_cancel_token(token)
    if data is None:
        raise DomainError("This cancellation link is not valid. Check that you copied all of it, "
                          "or log in and cancel from the session page.")
    reg = db.session.get(Registration, data.get("r"))
    if reg is None or reg.user_id != data.get("u"):
        raise DomainError("This cancellation link does not match a sign-up.")
    if data.get("t") != issued_mark(reg):
        raise DomainError("This cancellation link belongs to an earlier sign-up. Use the link in "
                          "your latest email, or cancel from the session page.")
    return reg


def cancel_by_token(token: str) -> Registration:
    """Cancel through an emailed link."""
    reg = registration_for_token(token)
    if reg.status == CANCELLED:
        raise DomainError("This sign-up is already cancelled.")
    return _cancel_registration(reg, by_organiser=False)
