"""Single sign-on with OpenID Connect (README, "Single sign-on"), and the password form."""

from django.core.exceptions import ImproperlyConfigured

from negprep.settings.env import env_bool, env_int, env_str

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Refuses every password while NEGPREP_PASSWORD_LOGIN is off (the admin's login included).
    "teams.oidc.backends.PasswordSwitch",
    "django.contrib.auth.backends.ModelBackend",
    # Keeps users signed in through OpenID Connect; it never checks a password.
    "teams.oidc.backends.OIDCBackend",
]

# Off while NEGPREP_OIDC_ISSUER is
# unset: no button on the login page, and its URLs answer 404.
NEGPREP_OIDC_ISSUER = env_str("NEGPREP_OIDC_ISSUER", "").rstrip("/")
# The provider's name on the login page's button ("Sign in with …").
NEGPREP_OIDC_NAME = env_str("NEGPREP_OIDC_NAME", "single sign-on")
# The claim listing the groups that give team memberships ("negprep:<team name>:<role>");
# unset, sign-in leaves memberships alone.
NEGPREP_OIDC_GROUPS_CLAIM = env_str("NEGPREP_OIDC_GROUPS_CLAIM", "")
# Someone whose verified e-mail matches no account gets one (true) or is refused (false).
NEGPREP_OIDC_CREATE_USERS = env_bool("NEGPREP_OIDC_CREATE_USERS", False)
# Endpoints are read from the issuer's /.well-known/openid-configuration; these override it.
NEGPREP_OIDC_ENDPOINTS = {
    "authorization_endpoint": env_str("NEGPREP_OIDC_AUTHORIZATION_ENDPOINT", ""),
    "token_endpoint": env_str("NEGPREP_OIDC_TOKEN_ENDPOINT", ""),
    "userinfo_endpoint": env_str("NEGPREP_OIDC_USERINFO_ENDPOINT", ""),
    "jwks_uri": env_str("NEGPREP_OIDC_JWKS_URI", ""),
}
# How long the provider's configuration is kept before it is read again (seconds).
NEGPREP_OIDC_DISCOVERY_SECONDS = env_int("NEGPREP_OIDC_DISCOVERY_SECONDS", 3600, minimum=0)
# Clock difference tolerated between NegPrep and the provider when checking a token's times.
NEGPREP_OIDC_LEEWAY_SECONDS = env_int("NEGPREP_OIDC_LEEWAY_SECONDS", 30, minimum=0)
# The username-and-password form; off, people sign in through the provider only.
NEGPREP_PASSWORD_LOGIN = env_bool("NEGPREP_PASSWORD_LOGIN", True)
# mozilla-django-oidc's own settings: an RS256-signed ID token checked against the provider's
# JWKS, with a nonce and PKCE (S256).
OIDC_RP_CLIENT_ID = env_str("NEGPREP_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("NEGPREP_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env_str("NEGPREP_OIDC_SCOPES", "openid email profile")
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("NEGPREP_OIDC_TIMEOUT_SECONDS", 10, minimum=1)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_VERIFY_KID = True
if NEGPREP_OIDC_ISSUER and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "NEGPREP_OIDC_ISSUER is set: NEGPREP_OIDC_CLIENT_ID and NEGPREP_OIDC_CLIENT_SECRET must be set too."
    )
if not NEGPREP_PASSWORD_LOGIN and not NEGPREP_OIDC_ISSUER:
    raise ImproperlyConfigured(
        "NEGPREP_PASSWORD_LOGIN is off and NEGPREP_OIDC_ISSUER unset: nobody could sign in."
    )
