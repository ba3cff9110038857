"""Factories for test rows: short, explicit, flushed but not committed."""
import itertools

from community.accounts import services as accounts
from community.accounts.models import Role

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(*, email: str | None = None, name: str | None = None, role: str = Role.MEMBER,
              confirmed: bool = True, password: str = PASSWORD, **kwargs):
    """A member account (confirmed unless told otherwise)."""
    n = next(_seq)
    return accounts.create_user(
        email=email or f"member{n}@example.com",
        name=name or f"Member {n}",
        password=password,
        role=role,
        organisation=kwargs.pop("organisation", "Example plc"),
        job_title=kwargs.pop("job_title", "CIO"),
        confirmed=confirmed,
        consent=True,
        **kwargs,
    )
