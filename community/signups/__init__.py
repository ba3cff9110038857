"""Sign-ups: seats, capacity, waitlist, cancellation links and following a series."""
