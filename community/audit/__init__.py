"""The audit log: every change an organiser or analyst makes, recorded in the same transaction
(from the signals the features send), browsable by organisers only."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Make the audit table part of the schema."""
    from community.audit import models  # noqa: F401 - the table is registered by importing it
