"""The errors every service raises, in both apps: one vocabulary, translated by the views in one place
(``negprep.forms.show_refusal``).

A message is for the user. It may name the field it is about, so that a form shows the service's
refusal beside that field: ``Invalid("Say why.", field="customer_reason")``, or several at once,
``Invalid({"starts_at": "...", "ends_at": "..."})``. The names are the service's argument names,
which the forms share.
"""

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """What a service will not do, and why, in words for the user."""

    def __init__(self, message: str | dict[str, str | list[str]], *, field: str | None = None):
        if isinstance(message, dict):
            self.field_messages = {
                name: [text] if isinstance(text, str) else list(text) for name, text in message.items()
            }
        else:
            self.field_messages = {field: [message]}
        super().__init__(" ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return [text for texts in self.field_messages.values() for text in texts]


class Invalid(DomainError):
    """The request cannot be done as asked: the user is told why and may try again."""


class Stale(Invalid):
    """Someone else saved the same thing after this user loaded it.

    ``current`` is the record as it is stored now, so that the form can show what differs from what
    the user typed and let them save their version over it (``negprep.forms.show_stale``)."""

    def __init__(self, message, *, field: str | None = None, current=None):
        super().__init__(message, field=field)
        self.current = current


class NotAllowed(DomainError, PermissionDenied):
    """The user's role does not allow this at all. Django answers it with a 403, like any
    ``PermissionDenied``, so no view catches it."""
