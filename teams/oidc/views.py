"""The two legs of a sign-in through the provider: off to it, and back from it."""

import re

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from teams.oidc.backends import OIDC_BACKEND, OIDCBackend
from teams.oidc.provider import SignInRefused, enabled, endpoints, name

# An OAuth error code (RFC 6749, 4.1.2.1) is shown; the provider's free-text description is not,
# since anybody can send a link to the callback with any text in it.
ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


@method_decorator(login_not_required, name="dispatch")
class SignInStart(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with a state, a nonce and a PKCE challenge kept in the
    session; ``?next=`` (a page of NegPrep) is where the sign-in ends."""

    def __init__(self, **kwargs):
        # The library reads the endpoint here; NegPrep reads it at each request (see get()).
        View.__init__(self, **kwargs)

    def get(self, request):
        if not enabled():
            raise Http404
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoints()["authorization_endpoint"]
        except SignInRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@login_not_required
@require_GET
def sign_in_callback(request):
    """Where the provider sends the browser back: a code for the state this session started, or
    an error. Whatever goes wrong, the login page says why and nobody is signed in."""
    if not enabled():
        raise Http404
    flows = request.session.get("oidc_states")
    state = request.GET.get("state")
    # Each state is used once, whatever the outcome.
    flow = flows.pop(state, None) if isinstance(flows, dict) and isinstance(state, str) else None
    if flow is not None:
        request.session.modified = True
    try:
        error = request.GET.get("error")
        if error:
            code = error if ERROR_CODE.match(error) else "error"
            raise SignInRefused(f"{name()} did not sign you in ({code}). Please start again.")
        if not isinstance(flow, dict) or not request.GET.get("code"):
            raise SignInRefused(
                "This sign-in was started too long ago, in another browser, or has been used already, "
                "so nobody was signed in. Please start again."
            )
        user = OIDCBackend().sign_in(
            request,
            code=request.GET["code"],
            nonce=flow.get("nonce"),
            code_verifier=flow.get("code_verifier"),
        )
    except SignInRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("login")
    next_url = request.session.pop("oidc_login_next", None)
    auth.login(request, user, backend=OIDC_BACKEND)
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def admin_login(password_login):
    """The admin's login page while passwords are on; the login page (with its single sign-on
    button) while they are off."""

    @login_not_required
    def login(request, extra_context=None):
        # Someone signed in without staff rights gets the admin's own answer (sending them to the
        # login page would send them straight back here).
        if settings.NEGPREP_PASSWORD_LOGIN or request.user.is_authenticated:
            return password_login(request, extra_context=extra_context)
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    return login
