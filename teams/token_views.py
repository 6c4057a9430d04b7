"""The profile's API tokens: create one (shown once), list them with their last use, revoke one."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from negprep.errors import Invalid
from negprep.forms import show_refusal
from teams.api_auth import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS, token_create, token_revoke, tokens_of
from teams.forms import ProfileForm
from teams.models import ApiScope

# The new token waits here for the one page that shows it, and is gone once shown.
NEW_TOKEN_KEY = "api_token_shown_once"  # noqa: S105 (a session key)
TOKENS_PER_PAGE = 20


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What will use it, e.g. “CRM sync”.")
    scope = forms.ChoiceField(choices=ApiScope.choices, initial=ApiScope.READ)
    expires_on = forms.DateField(
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=f"At most a year from today ({MAX_LIFETIME_DAYS} days).",
        error_messages={"invalid": "Enter a date, e.g. 2030-05-14."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=DEFAULT_LIFETIME_DAYS)


def tokens_context(request, form: ApiTokenForm | None = None) -> dict:
    return {
        "token_form": form or ApiTokenForm(),
        # Revoked and expired tokens stay listed, so the list has pages (links to the profile page:
        # this context also renders a refused creation, at another address).
        "api_tokens": Paginator(tokens_of(user=request.user), TOKENS_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "new_api_token": request.session.pop(NEW_TOKEN_KEY, None),
        "now": timezone.now(),
    }


@require_POST
def api_token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            row, token = token_create(user=request.user, **form.cleaned_data)
        except Invalid as error:
            show_refusal(form, error)
        else:
            request.session[NEW_TOKEN_KEY] = {"name": row.name, "token": token}
            return redirect("profile")
    context = {"form": ProfileForm(instance=request.user), **tokens_context(request, form)}
    return render(request, "teams/profile.html", context)


@require_POST
def api_token_revoke(request, pk):
    token = token_revoke(user=request.user, pk=pk)
    if token is None:
        raise Http404("No such token.")
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("profile")
