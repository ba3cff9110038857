"""Series and their biweekly sessions: cadence planning, public pages, organiser edits."""
