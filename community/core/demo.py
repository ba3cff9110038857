"""The demo community loaded by `flask seed-demo`: idempotent, safe to run twice."""
import secrets

from community.accounts import services as accounts
from community.accounts.models import Role

DEMO_ORGANISER = "organiser@demo.community"


def seed() -> list[str]:
    """Add whatever part of the demo community is missing; return lines to show the operator."""
    lines: list[str] = []
    if accounts.get_by_email(DEMO_ORGANISER) is None:
        password = secrets.token_urlsafe(12)
        accounts.create_user(email=DEMO_ORGANISER, name="Demo Organiser", password=password,
                             role=Role.ORGANISER, organisation="Community office",
                             job_title="Community organiser", confirmed=True, consent=True)
        lines += [
            "Demo organiser created (this password is shown only once):",
            f"  email:    {DEMO_ORGANISER}",
            f"  password: {password}",
        ]
    return lines
