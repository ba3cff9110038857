"""Sign-ups: seats, capacity, waitlist, cancellation links and following a series."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Connect sign-ups to the sessions and accounts they react to, and to the pages they
    show on; register their part of a member's data."""
    from community.accounts import gdpr
    from community.core import signals
    from community.signups import follows, members, page, services

    signals.account_confirmed.connect(services.claim_invitations)
    signals.account_deactivated.connect(members.release_places)
    signals.session_changed.connect(services.capacity_changed)
    signals.session_published.connect(follows.sign_up_followers)
    signals.session_page.connect(page.session_page_values)
    signals.session_listing.connect(page.listing_values)
    signals.series_page.connect(page.series_page_values)
    gdpr.register("signups", tables=("registrations", "series_follows"),
                  export=services.export_signups, erase=services.erase_signups)
