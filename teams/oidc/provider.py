"""The provider's configuration, and the refusals a sign-in can end with."""

import threading
import time

import requests
from django.conf import settings

# The endpoints NegPrep needs from the provider's configuration.
REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")

_lock = threading.Lock()
_discovered: dict[str, tuple[float, dict]] = {}


class SignInRefused(Exception):
    """A sign-in through the provider that ends without anybody signed in; the message is for the
    person on the login page."""


def enabled() -> bool:
    return bool(settings.NEGPREP_OIDC_ISSUER)


def name() -> str:
    return settings.NEGPREP_OIDC_NAME


def unreachable() -> SignInRefused:
    return SignInRefused(
        f"{name()} could not be reached, so nobody was signed in. Try again in a few minutes; "
        "if it keeps failing, tell your administrator."
    )


def endpoints() -> dict[str, str]:
    """The provider's endpoints: those set in the environment, the others read from the issuer's
    /.well-known/openid-configuration (kept for NEGPREP_OIDC_DISCOVERY_SECONDS).

    ``SignInRefused`` when the provider cannot be reached or its configuration is unusable.
    """
    configured = {key: url for key, url in settings.NEGPREP_OIDC_ENDPOINTS.items() if url}
    if all(key in configured for key in REQUIRED):
        return configured
    return {**_discovery(settings.NEGPREP_OIDC_ISSUER), **configured}


def _discovery(issuer: str) -> dict[str, str]:
    with _lock:
        cached = _discovered.get(issuer)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError):
        raise unreachable() from None
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was read from.
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
        raise SignInRefused(
            f"{name()} describes itself as another issuer than the one NegPrep is set up for, so "
            "nobody was signed in. Tell your administrator (NEGPREP_OIDC_ISSUER)."
        )
    found = {key: document[key] for key in (*REQUIRED, "userinfo_endpoint") if document.get(key)}
    if any(key not in found for key in REQUIRED):
        raise unreachable()
    with _lock:
        _discovered[issuer] = (time.monotonic() + settings.NEGPREP_OIDC_DISCOVERY_SECONDS, found)
    return found


def forget() -> None:
    """Read the provider's configuration again at the next sign-in."""
    with _lock:
        _discovered.clear()
