"""Email: the outbox written in the caller's transaction and its delivery from the queue."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the delivery task that the outbox hands its messages to after commit, a chunk
    of ids per task."""
    from community import queue
    from community.mail import delivery

    queue.register_task("mail.deliver", delivery.deliver_task)
