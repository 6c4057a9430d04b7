import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from negprep.errors import Stale
from negprep.forms import show_stale
from teams.forms import LoginForm, OutboxPasswordResetForm, ProfileForm, StyledPasswordChangeForm
from teams.oidc import provider as sso
from teams.services import PROFILE_FIELDS, profile_update
from teams.throttle import client_ip, throttle_allows
from teams.token_views import tokens_context


class LoginView(auth_views.LoginView):
    """The password form (unless NEGPREP_PASSWORD_LOGIN is off) and the single sign-on button
    (when NEGPREP_OIDC_ISSUER is set)."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.NEGPREP_PASSWORD_LOGIN:
            # Refused unread: no password is checked, so none counts towards a lockout either.
            messages.error(request, f"Sign-in with a password is turned off here: use {sso.name()}.")
            response = self.render_to_response(self.get_context_data())
            response.status_code = 403
            return response
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_login": settings.NEGPREP_PASSWORD_LOGIN,
            "sso_name": sso.name() if sso.enabled() else "",
        }


class LogoutView(auth_views.LogoutView):
    """Signing out takes a POST; a typed or bookmarked /accounts/logout/ asks to confirm."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("login")
        return render(request, "registration/logout_confirm.html")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


class PasswordsOnMixin:
    """While NEGPREP_PASSWORD_LOGIN is off a password is of no use: its pages send to the login
    page, which has the single sign-on button."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.NEGPREP_PASSWORD_LOGIN:
            messages.info(request, f"Passwords are not used here: sign in with {sso.name()}.")
            return redirect("login")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(PasswordsOnMixin, auth_views.PasswordResetView):
    """Django's reset by e-mail, with a cap on how often one address or one e-mail can ask."""

    form_class = OutboxPasswordResetForm
    html_email_template_name = "registration/password_reset_email.html"
    email_template_name = "registration/password_reset_email.txt"

    def form_valid(self, form):
        allowed = throttle_allows(
            action="password-reset",
            keys={"ip": client_ip(self.request), "email": form.cleaned_data["email"]},
            limit=settings.NEGPREP_PASSWORD_RESET_LIMIT,
        )
        if not allowed:
            form.add_error(
                None,
                "Too many reset links were asked for. Check your inbox for the ones already sent, "
                "or try again in an hour.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordChangeView(PasswordsOnMixin, auth_views.PasswordChangeView):
    form_class = StyledPasswordChangeForm
    success_url = reverse_lazy("password_change_done")


@require_http_methods(["GET", "POST"])
def profile(request):
    # The form validates a copy, so the page keeps the stored profile on errors.
    form = ProfileForm(request.POST or None, instance=copy.copy(request.user))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            changed = profile_update(
                user=request.user,
                revision=form.cleaned_data["revision"],
                **{name: form.cleaned_data[name] for name in PROFILE_FIELDS},
            )
        except Stale as error:
            show_stale(form, error)
            status = 409
        else:
            if changed:
                messages.success(request, "Your profile was saved.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("profile")
    return render(request, "teams/profile.html", {"form": form, **tokens_context(request)}, status=status)
