"""Email: the outbox table, the send_email service, delivery tasks and the sweeper."""
