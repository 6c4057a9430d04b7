"""Who may sign in how: passwords (unless the deployment turns them off) and OpenID Connect."""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from teams.oidc import accounts
from teams.oidc.provider import SignInRefused, endpoints, name, unreachable

log = logging.getLogger(__name__)

OIDC_BACKEND = "teams.oidc.backends.OIDCBackend"


class PasswordSwitch:
    """Refuses every password while NEGPREP_PASSWORD_LOGIN is off: stands before Django's
    ModelBackend, and stops the search for a backend that would take the password. It signs
    nobody in (no ``get_user``), so Django's test client never picks it for ``force_login``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is not None and not settings.NEGPREP_PASSWORD_LOGIN:
            raise PermissionDenied("Sign-in with a password is turned off.")
        return None


class OIDCBackend(OIDCAuthenticationBackend):
    """The provider's ID token, checked before anybody is signed in: its RS256 signature against
    the provider's published keys, ``iss`` equal to the issuer, ``aud`` naming NegPrep's client id
    (and ``azp`` too when others are named), ``exp`` not past, ``iat`` present, and the nonce of
    this browser's sign-in.

    Only ``sign_in()`` (the callback view) signs people in, never ``authenticate()``: a password
    form cannot reach the provider through it. Django keeps the session of someone signed in this
    way through ``get_user()``.
    """

    def __init__(self, *args, **kwargs):
        # The endpoints are read at sign-in (the provider may be down when the process starts).
        self.UserModel = get_user_model()

    def authenticate(self, request, **credentials):
        return None

    def sign_in(self, request, *, code: str, nonce: str, code_verifier: str | None):
        """The user the provider signed in with ``code``; ``SignInRefused`` with the reason for
        the person when nobody may be signed in."""
        found = endpoints()
        self.request = request
        self.OIDC_OP_TOKEN_ENDPOINT = found["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = found.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = found["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        token_request = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.build_absolute_uri(reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
        }
        if code_verifier is not None:
            token_request["code_verifier"] = code_verifier
        try:
            tokens = self.get_token(token_request)
        except requests.HTTPError as error:
            log.warning("OpenID Connect: the token endpoint refused the code: %s", error)
            raise SignInRefused(
                f"{name()} did not confirm this sign-in (it may have been used already), so nobody "
                "was signed in. Please start again."
            ) from None
        except (requests.RequestException, ValueError):
            raise unreachable() from None
        if not isinstance(tokens, dict) or not tokens.get("id_token"):
            raise SignInRefused(
                f"{name()} sent no ID token, so nobody was signed in. Tell your administrator."
            )
        claims = self._checked_id_token(tokens["id_token"], nonce)
        claims = {**claims, **self._userinfo(tokens.get("access_token"), claims)}
        return accounts.user_for_claims(claims=claims, provider=name())

    def _checked_id_token(self, id_token: str, nonce: str) -> dict:
        try:
            claims = self.verify_token(id_token, nonce=nonce)
        except jwt.ExpiredSignatureError:
            raise SignInRefused(
                f"The sign-in from {name()} had expired when it reached NegPrep, so nobody was signed "
                "in. Please try again; if it keeps happening, tell your administrator (the clocks may "
                "differ)."
            ) from None
        except jwt.InvalidAudienceError:
            raise _wrong_audience() from None
        except jwt.InvalidIssuerError:
            raise SignInRefused(
                f"The sign-in came from another issuer than {name()}, so nobody was signed in. "
                "Tell your administrator."
            ) from None
        except (requests.RequestException, ValueError, KeyError):
            raise unreachable() from None
        except (jwt.PyJWTError, SuspiciousOperation) as error:
            log.warning("OpenID Connect: ID token refused: %s", error)
            raise SignInRefused(
                f"The sign-in from {name()} could not be verified (signature, time or nonce), so nobody "
                "was signed in. Please start again from this page."
            ) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        # OpenID Connect Core 1.0, 3.1.3.7: a token for several audiences names its holder in azp.
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise _wrong_audience()
        return claims

    def _verify_jws(self, payload, key):
        """The library skips the audience and the issuer: PyJWT checks them here, with the times."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}")
        return jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=settings.NEGPREP_OIDC_ISSUER,
            leeway=settings.NEGPREP_OIDC_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )

    def _userinfo(self, access_token: str | None, id_claims: dict) -> dict:
        """The userinfo endpoint's claims (the ID token may carry no e-mail or groups)."""
        if not self.OIDC_OP_USER_ENDPOINT or not access_token:
            return {}
        try:
            userinfo = self.get_userinfo(access_token, None, None)
        except (requests.RequestException, ValueError):
            raise unreachable() from None
        except (jwt.PyJWTError, SuspiciousOperation):
            userinfo = None
        # OpenID Connect Core 1.0, 5.3.2: userinfo about anyone but the token's subject is ignored.
        if not isinstance(userinfo, dict) or userinfo.get("sub") != id_claims["sub"]:
            raise SignInRefused(
                f"{name()} described another person than the one who signed in, so nobody was signed "
                "in. Tell your administrator."
            )
        return userinfo


def _wrong_audience() -> SignInRefused:
    return SignInRefused(
        f"{name()} sent a sign-in meant for another application, so nobody was signed in. "
        "Tell your administrator (NEGPREP_OIDC_CLIENT_ID)."
    )
