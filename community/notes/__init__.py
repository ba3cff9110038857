"""Briefing notes: written by analysts, versioned, access-controlled, searchable, and sent in
the follow-up email after a session."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Show notes on the session page, define the follow-up email's content, register the
    notes' part of a member's data, and tell the page cache when an embargo ends."""
    from community.accounts import gdpr
    from community.core import pagecache, signals
    from community.invites import services as invites
    from community.invites.models import AnnouncementKind
    from community.notes import access, followup, services

    signals.session_page.connect(services.session_page_values)
    pagecache.register_boundary(access.next_embargo_end)
    invites.register_writer(AnnouncementKind.FOLLOW_UP, followup.write)
    gdpr.register("notes", tables=("notes", "note_authors", "note_opens", "note_revisions",
                                   "note_attachments"), export=services.export_notes)
