"""A real OpenID Connect provider for the session, and NegPrep set up to sign in with it
(registered in tests/conftest.py)."""

import pytest

from teams.oidc import provider as sso
from tests.oidc_provider.server import Provider

CLIENT_ID = "negprep"
CLIENT_SECRET = "negprep-client-secret"
CALLBACK = "http://testserver/accounts/sso/callback/"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    provider = Provider(tmp_path_factory.mktemp("oidc-provider"))
    provider.start()
    provider.add_client(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[CALLBACK])
    yield provider
    provider.stop()


def register_callback(provider, base_url: str) -> None:
    """NegPrep's client at the provider also returns to NegPrep served at ``base_url``."""
    provider.add_client(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[CALLBACK, f"{base_url}/accounts/sso/callback/"],
    )


@pytest.fixture
def sso_on(settings, oidc_provider):
    """NegPrep signs in with the test provider, creates nobody, and reads no groups."""
    settings.NEGPREP_OIDC_ISSUER = oidc_provider.issuer
    settings.NEGPREP_OIDC_NAME = "Test IdP"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.NEGPREP_OIDC_CREATE_USERS = False
    settings.NEGPREP_OIDC_GROUPS_CLAIM = ""
    sso.forget()
    yield oidc_provider
    sso.forget()
