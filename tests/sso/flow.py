"""A person's sign-in through the test provider, as a browser makes it: NegPrep's start page, the
provider's login form, and back to NegPrep's callback with the code and the state."""

import uuid

from django.contrib.messages import get_messages
from django.urls import reverse

from tests.oidc_provider.fixtures import CALLBACK

PASSWORD = "provider-password"


def person_at(provider, *, email=None, verified=True, id_token=None, **claims) -> dict:
    """A person at the provider with a fresh e-mail address (unless given); their claims."""
    username = f"p{uuid.uuid4().hex[:12]}"
    claims = {"email": email or f"{username}@example.com", **claims}
    if verified is not None:
        claims["email_verified"] = verified
    claims["username"] = username
    claims["sub"] = provider.add_person(
        username=username,
        password=PASSWORD,
        claims={k: v for k, v in claims.items() if k not in ("username", "sub")},
        id_token=id_token,
    )
    return claims


def callback_url(client, provider, person, next_url=None) -> str:
    """Start at NegPrep and log in at the provider; the (site-relative) callback URL it sends back."""
    start = reverse("sso_start") + (f"?next={next_url}" if next_url else "")
    response = client.get(start)
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith(f"{provider.issuer}/authorize/?"), response["Location"]
    back = provider.sign_in(response["Location"], username=person["username"], password=PASSWORD)
    assert back.startswith(CALLBACK), back
    return back.removeprefix("http://testserver")


def sign_in(client, provider, person, next_url=None):
    """The whole sign-in; NegPrep's answer to the callback."""
    return client.get(callback_url(client, provider, person, next_url))


def signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def refusal(client, response) -> str:
    """The message a refused sign-in leaves for the login page (asserting it went there)."""
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("login"), response["Location"]
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(shown) == 1, shown
    assert signed_in_user_id(client) is None
    return shown[0]
