"""NegPrep's SMTP backend: Django's, telling a message the server may hold from one it refused.

Once the whole message has gone out, only the server's answer says whether it
took it. When that answer never comes (the server is slower than
``EMAIL_TIMEOUT``, or the connection drops), the server may well have it:
sending raises ``DeliveryUnknown`` instead of a plain disconnection, and the
outbox records the attempt as unconfirmed rather than failed.
"""

import smtplib

from django.core.mail.backends import smtp


class DeliveryUnknown(smtplib.SMTPServerDisconnected):
    """The server took the whole message, then never answered: it may have been delivered."""


class _ConfirmationAware:
    # The replies read during DATA: the go-ahead (354), then the answer to the message.
    _data_replies: int | None = None

    def data(self, msg):
        self._data_replies = 0
        try:
            return super().data(msg)
        finally:
            self._data_replies = None

    def getreply(self):
        if self._data_replies is None:
            return super().getreply()
        self._data_replies += 1
        if self._data_replies == 1:
            return super().getreply()
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected as error:
            raise DeliveryUnknown(f"No answer after the message was sent ({error})") from error


class _SMTP(_ConfirmationAware, smtplib.SMTP):
    pass


class _SMTP_SSL(_ConfirmationAware, smtplib.SMTP_SSL):  # noqa: N801 - named after smtplib's
    pass


class EmailBackend(smtp.EmailBackend):
    """The default ``EMAIL_BACKEND``: Django's SMTP backend, raising ``DeliveryUnknown``."""

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP
