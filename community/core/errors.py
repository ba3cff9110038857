"""Domain errors: services raise them, views turn them into form errors or flash messages."""


class DomainError(Exception):
    """A rule was broken; `message` is written for the member, `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The acting user may not do this."""
