"""Discussion polls: written and run by organisers and hosts, answered by members, with live
results, a presenter view and the before/after shift of a poll asked twice."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Show the polls on the session page and register the polls' part of a member's data."""
    from community.accounts import gdpr
    from community.core import signals
    from community.polls.services import page, voting

    signals.session_page.connect(page.session_page_values)
    gdpr.register("poll_answers", tables=("poll_answers", "polls"), export=voting.export_answers,
                  erase=voting.erase_answers)
