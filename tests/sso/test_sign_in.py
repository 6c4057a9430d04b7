"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit in a second
process): the code flow end to end, and every way it is refused without anybody signed in."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse
from jwt.algorithms import RSAAlgorithm

from teams.models import User
from tests.factories import UserFactory
from tests.sso.flow import callback_url, person_at, refusal, sign_in, signed_in_user_id

pytestmark = pytest.mark.django_db


def test_it_signs_in_the_user_whose_verified_email_matches(client, sso_on):
    person = person_at(sso_on, email="Dana.Rep@Example.com")
    user = UserFactory(username="dana", email="dana.rep@example.com")
    response = sign_in(client, sso_on, person)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == user.pk
    assert client.session["_auth_user_backend"] == "teams.oidc.backends.OIDCBackend"
    # The session holds on the next request (the backend finds the user again).
    assert client.get(reverse("profile")).status_code == 200
    assert User.objects.count() == 1


def test_it_ends_on_the_page_the_sign_in_started_for(client, sso_on):
    person = person_at(sso_on)
    UserFactory(email=person["email"])
    response = sign_in(client, sso_on, person, next_url=reverse("notifications"))
    assert response["Location"] == reverse("notifications")


def test_it_ignores_a_next_page_on_another_site(client, sso_on):
    person = person_at(sso_on)
    UserFactory(email=person["email"])
    response = sign_in(client, sso_on, person, next_url="https://evil.example.com/")
    assert response["Location"] == reverse("home")


def test_it_refuses_someone_without_an_account_when_creation_is_off(client, sso_on):
    person = person_at(sso_on)
    message = refusal(client, sign_in(client, sso_on, person))
    assert f"There is no NegPrep account for {person['email']}" in message
    assert "Ask your administrator" in message
    assert not User.objects.exists()
    page = client.get(reverse("login")).content.decode()
    assert "There is no NegPrep account" in page


def test_it_creates_the_account_when_creation_is_on(client, sso_on, settings):
    settings.NEGPREP_OIDC_CREATE_USERS = True
    person = person_at(sso_on, email="New.Person@Example.com", given_name="Nora", family_name="Neu")
    response = sign_in(client, sso_on, person)
    assert response["Location"] == reverse("home")
    user = User.objects.get()
    assert signed_in_user_id(client) == user.pk
    assert (user.username, user.email) == ("new.person@example.com", "New.Person@Example.com")
    assert (user.first_name, user.last_name) == ("Nora", "Neu")
    assert not user.has_usable_password()
    assert not user.memberships.exists()


def test_a_created_account_gets_a_free_username(client, sso_on, settings):
    settings.NEGPREP_OIDC_CREATE_USERS = True
    person = person_at(sso_on)
    UserFactory(username=person["email"], email="someone.else@example.com")
    sign_in(client, sso_on, person)
    assert User.objects.get(email=person["email"]).username == f"{person['email']}-2"


def test_a_created_account_gets_a_username_django_accepts(client, sso_on, settings):
    """An address may hold characters a user name may not (o'brien, a/b): the user can still be edited."""
    settings.NEGPREP_OIDC_CREATE_USERS = True
    person = person_at(sso_on, email="Sean.O'Brien/Sales@Example.com")
    sign_in(client, sso_on, person)
    user = User.objects.get()
    assert user.username == "sean.o-brien-sales@example.com"
    user.full_clean()


@pytest.mark.parametrize("verified", [False, None, "true"])
def test_it_refuses_an_email_the_provider_has_not_verified(client, sso_on, settings, verified):
    settings.NEGPREP_OIDC_CREATE_USERS = True
    person = person_at(sso_on, verified=verified)
    UserFactory(email=person["email"])
    message = refusal(client, sign_in(client, sso_on, person))
    assert "has not verified your e-mail address" in message
    assert User.objects.count() == 1


def test_it_refuses_an_id_token_for_another_audience(client, sso_on):
    person = person_at(sso_on, id_token={"aud": "another-application"})
    UserFactory(email=person["email"])
    message = refusal(client, sign_in(client, sso_on, person))
    assert "meant for another application" in message


def test_it_refuses_a_token_for_several_audiences_held_by_another(client, sso_on):
    person = person_at(
        sso_on, id_token={"aud": ["negprep", "another-application"], "azp": "another-application"}
    )
    UserFactory(email=person["email"])
    message = refusal(client, sign_in(client, sso_on, person))
    assert "meant for another application" in message


def test_it_refuses_an_expired_id_token(client, sso_on):
    person = person_at(sso_on, id_token={"expires_in": -120})
    UserFactory(email=person["email"])
    message = refusal(client, sign_in(client, sso_on, person))
    assert "had expired" in message


def test_a_token_expired_by_less_than_the_leeway_still_signs_in(client, sso_on, settings):
    settings.NEGPREP_OIDC_LEEWAY_SECONDS = 120
    person = person_at(sso_on, id_token={"expires_in": -30})
    user = UserFactory(email=person["email"])
    sign_in(client, sso_on, person)
    assert signed_in_user_id(client) == user.pk


def test_it_refuses_a_deactivated_user(client, sso_on):
    person = person_at(sso_on)
    UserFactory(email=person["email"], is_active=False)
    message = refusal(client, sign_in(client, sso_on, person))
    assert "deactivated" in message


def test_it_refuses_when_several_accounts_share_the_email(client, sso_on):
    person = person_at(sso_on)
    UserFactory(email=person["email"])
    UserFactory(email=person["email"].upper())
    message = refusal(client, sign_in(client, sso_on, person))
    assert "Several NegPrep accounts" in message


def test_a_callback_is_used_once(client, sso_on):
    person = person_at(sso_on)
    user = UserFactory(email=person["email"])
    url = callback_url(client, sso_on, person)
    assert client.get(url)["Location"] == reverse("home")
    client.logout()
    message = refusal(client, client.get(url))
    assert "has been used already" in message
    assert user.pk != signed_in_user_id(client)


def test_a_callback_from_another_browser_is_refused(client, sso_on):
    person = person_at(sso_on)
    UserFactory(email=person["email"])
    url = callback_url(client, sso_on, person)
    stranger = Client()
    message = refusal(stranger, stranger.get(url))
    assert "in another browser" in message
    # The code was never exchanged: the browser that started the sign-in still completes it.
    assert client.get(url)["Location"] == reverse("home")


def test_a_code_already_exchanged_is_refused_by_the_provider(client, sso_on):
    person = person_at(sso_on)
    UserFactory(email=person["email"])
    url = callback_url(client, sso_on, person)
    flows = dict(client.session["oidc_states"])
    client.get(url)
    client.logout()
    # The same code again, under a state this session still holds (as a replayed request would).
    session = client.session
    session["oidc_states"] = flows
    session.save()
    message = refusal(client, client.get(url))
    assert "did not confirm this sign-in" in message


def test_an_error_from_the_provider_is_shown_without_its_free_text(client, sso_on):
    client.get(reverse("sso_start"))
    state = next(iter(client.session["oidc_states"]))
    response = client.get(
        reverse("sso_callback"),
        {"error": "access_denied", "error_description": "Call +1 555 0100 now", "state": state},
    )
    message = refusal(client, response)
    assert "(access_denied)" in message
    assert "555" not in message
    assert state not in client.session["oidc_states"]


def test_a_provider_that_cannot_be_reached_is_named_on_the_login_page(client, sso_on, settings):
    settings.NEGPREP_OIDC_ISSUER = "http://127.0.0.1:9/o"
    response = client.get(reverse("sso_start"))
    message = refusal(client, response)
    assert "Test IdP could not be reached" in message


def test_a_token_endpoint_that_cannot_be_reached_signs_nobody_in(client, sso_on, settings):
    person = person_at(sso_on)
    UserFactory(email=person["email"])
    url = callback_url(client, sso_on, person)
    settings.NEGPREP_OIDC_ENDPOINTS = {
        "authorization_endpoint": f"{sso_on.issuer}/authorize/",
        "token_endpoint": "http://127.0.0.1:9/o/token/",
        "userinfo_endpoint": f"{sso_on.issuer}/userinfo/",
        "jwks_uri": f"{sso_on.issuer}/.well-known/jwks.json",
    }
    message = refusal(client, client.get(url))
    assert "could not be reached" in message


def test_a_signed_in_user_starting_again_goes_home(client, sso_on):
    client.force_login(UserFactory())
    response = client.get(reverse("sso_start"))
    assert response["Location"] == reverse("home")


def test_the_login_page_offers_the_provider(client, sso_on):
    page = client.get(reverse("login") + "?next=/deals/").content.decode()
    assert "Sign in with Test IdP" in page
    assert f'href="{reverse("sso_start")}?next=/deals/"' in page
    assert 'name="password"' in page


def test_without_an_issuer_there_is_no_button_and_no_sso_url(client, settings):
    settings.NEGPREP_OIDC_ISSUER = ""
    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("sso_start")).status_code == 404
    assert client.get(reverse("sso_callback"), {"code": "x", "state": "y"}).status_code == 404


@pytest.fixture
def impostor_jwks(sso_on):
    """A JWKS served over HTTP with another RSA key under the provider's key id, as a token signed
    by the provider looks to a relying party that was handed someone else's keys."""
    kid = requests.get(f"{sso_on.issuer}/.well-known/jwks.json", timeout=10).json()["keys"][0]["kid"]
    another = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = json.loads(RSAAlgorithm.to_jwk(another.public_key()))
    body = json.dumps({"keys": [{**key, "kid": kid, "alg": "RS256", "use": "sig"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()
    server.server_close()


def test_it_refuses_an_id_token_whose_signature_the_keys_do_not_verify(
    client, sso_on, settings, impostor_jwks
):
    person = person_at(sso_on)
    UserFactory(email=person["email"])
    settings.NEGPREP_OIDC_ENDPOINTS = {
        "authorization_endpoint": f"{sso_on.issuer}/authorize/",
        "token_endpoint": f"{sso_on.issuer}/token/",
        "userinfo_endpoint": f"{sso_on.issuer}/userinfo/",
        "jwks_uri": impostor_jwks,
    }
    message = refusal(client, sign_in(client, sso_on, person))
    assert "could not be verified" in message
