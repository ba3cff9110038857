"""Analyst briefing notes: written, versioned, access-controlled, searchable, with attachments."""
