"""Personal API tokens: creating and revoking them, and how the REST API authenticates, scopes and
throttles a request made with one.

A token reads ``npt_<prefix>_<secret>``. Only the SHA-256 of the whole token is stored, with the
prefix (not secret) to find its row; the token itself is shown once, when it is created.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from negprep.errors import Invalid, NotAllowed
from teams.models import ApiScope, ApiToken, User
from teams.throttle import client_ip

TOKEN_TAG = "npt"  # noqa: S105 (a label, not a secret)
DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 366
# Writing the last use at most this often per token keeps a busy script from writing on every request.
LAST_USE_EVERY = timedelta(minutes=1)
LIVE_TOKENS_MAX = 20


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User, name: str, scope: str, expires_on) -> tuple[ApiToken, str]:
    """A new token of the user's; returns the row and the token, which is never stored or shown again."""
    name = (name or "").strip()
    if not name:
        raise Invalid({"name": "Name the token after the script or tool that will use it."})
    if scope not in ApiScope.values:
        raise Invalid({"scope": "Pick read, or read and write."})
    today = timezone.localdate()
    if expires_on is None or expires_on <= today:
        raise Invalid({"expires_on": "A token expires on a day after today."})
    if expires_on > today + timedelta(days=MAX_LIFETIME_DAYS):
        raise Invalid({"expires_on": "A token lasts at most a year: pick an earlier day."})
    if not user.is_active:
        raise NotAllowed("A deactivated user has no tokens.")
    now = timezone.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
    if live >= LIVE_TOKENS_MAX:
        raise Invalid(f"You have {live} tokens in use: revoke one you no longer need first.")
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_TAG}_{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.make_aware(timezone.datetime.combine(expires_on, timezone.datetime.min.time()))
    row = ApiToken.objects.create(
        user=user, name=name, scope=scope, prefix=prefix, key_hash=_hash(token), expires_at=expires_at
    )
    return row, token


def tokens_of(*, user: User):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


@transaction.atomic
def token_revoke(*, user: User, pk: int) -> ApiToken | None:
    """Revoke one of the user's own tokens (None: no such token of theirs). Revoking twice keeps
    the first time."""
    token = ApiToken.objects.select_for_update().filter(user=user, pk=pk).first()
    if token is not None and token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for(raw: str) -> ApiToken | None:
    """The live token's row, or None for anything else (unknown, wrong secret, expired, revoked,
    its user deactivated)."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_TAG or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(raw)):
        return None
    if not token.is_live(timezone.now()) or not token.user.is_active:
        return None
    return token


def record_use(token: ApiToken, *, ip: str | None) -> None:
    """Note when and from where the token was last used, at most once a minute."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USE_EVERY and token.last_used_ip == ip:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``. A request without it goes on to the session."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as: Authorization: Bearer <token>.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This token is not valid.") from None
        token = token_for(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("This token is not valid, has expired or was revoked.")
        record_use(token, ip=client_ip(request._request) or None)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class TokenScope(permissions.BasePermission):
    """Signed in (by token or session); a read-only token only reads."""

    message = "This token may only read: create a read-and-write token to change anything."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if isinstance(request.auth, ApiToken) and request.method not in permissions.SAFE_METHODS:
            return request.auth.can_write
        return True


class PerTokenThrottle(throttling.SimpleRateThrottle):
    """One count per token (each token its own), per user for a session, per address otherwise."""

    scope = "api"

    def get_rate(self):
        # Read per request, so that a deployment (or a test) changes it without a restart of DRF's settings.
        return settings.NEGPREP_API_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema how a token is sent."""

    target_class = TokenAuthentication
    name = "PersonalToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal token from your profile."}
