"""Messages about a person's place at a session: seat, waitlist, changes, cancellations."""
