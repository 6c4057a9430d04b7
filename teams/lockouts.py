"""Sign-in lockouts in three dimensions, on top of django-axes' record of failed attempts.

Axes counts failures per username and address together (``AXES_FAILURE_LIMIT``). That alone
never locks an account guessed at from many addresses, nor an address guessing at many
accounts. Axes has one limit for every dimension it counts, so this handler adds the two
others with their own limits, read from the same records:

- per account, from every address (``NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT``), higher than the
  per-address limit so that a stranger cannot lock a user out with a few guesses;
- per address, at every account (``NEGPREP_LOGIN_ADDRESS_FAILURE_LIMIT``), against one address
  trying one password on many accounts.

Failures during a lockout are not counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT`` is
off), so one address adds at most ``AXES_FAILURE_LIMIT`` failures to an account's count per
cool-off, and a lockout ends one cool-off after the last failure that counted.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum


class LoginLockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._wider_lockout(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.is_whitelisted(request, credentials) or not self._wider_lockout(request, credentials):
            return
        # This failure reached the account's or the address's limit: show the lockout page now.
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )

    def _wider_lockout(self, request, credentials) -> bool:
        """Whether the account or the address is over its limit; the lockout page says which
        (``request.login_locked_account``, ``request.login_locked_address``)."""
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        attempts = AccessAttempt.objects.all()
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        account_limit = settings.NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT
        if username and _failures(attempts.filter(username=username)) >= account_limit:
            request.login_locked_account = True
            return True
        address = request.axes_ip_address
        address_limit = settings.NEGPREP_LOGIN_ADDRESS_FAILURE_LIMIT
        if address and _failures(attempts.filter(ip_address=address)) >= address_limit:
            request.login_locked_address = True
            return True
        return False


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
