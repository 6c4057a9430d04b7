"""A mail server that refuses the first N sends: the one stand-in for an external system.

Set ``RefusingBackend.failures_left`` (``None`` refuses forever); every call
is counted in ``calls``, and accepted messages land in ``mail.outbox`` as
with Django's locmem backend.
"""

import smtplib

from django.core.mail.backends.locmem import EmailBackend

PATH = "tests.teams.smtp_refusing.RefusingBackend"


class RefusingBackend(EmailBackend):
    failures_left: int | None = 0
    calls = 0

    def send_messages(self, messages):
        cls = type(self)
        cls.calls += 1
        if cls.failures_left is None or cls.failures_left > 0:
            if cls.failures_left is not None:
                cls.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)

    @classmethod
    def reset(cls, *, failures: int | None) -> None:
        cls.failures_left = failures
        cls.calls = 0
