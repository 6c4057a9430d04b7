"""Webhook endpoints: the address and the events a manager picks (the service checks the address)."""

from crispy_forms.helper import FormHelper
from django import forms

from deals.domain.webhooks import EVENT_TYPES
from deals.models.webhooks import WEBHOOK_URL_MAX_LENGTH
from negprep.forms import ModelChoiceField, RevisionForm
from teams.models import Role, Team


class WebhookEndpointForm(RevisionForm):
    """A new endpoint (with the team, when the manager manages several) or changes to one (with
    whether it is on, and the revision it was read at)."""

    team = ModelChoiceField(queryset=Team.objects.none())
    url = forms.URLField(
        label="Address",
        max_length=WEBHOOK_URL_MAX_LENGTH,
        assume_scheme="https",
        help_text="The https address that receives the events, e.g. https://hooks.example.com/negprep.",
    )
    events = forms.MultipleChoiceField(
        choices=list(EVENT_TYPES.items()),
        widget=forms.CheckboxSelectMultiple,
        label="Events",
        error_messages={"required": "Pick at least one event to send."},
    )
    active = forms.BooleanField(
        required=False, label="On", help_text="Off: nothing is sent to this address until you turn it on."
    )

    def __init__(self, *args, manager=None, endpoint=None, **kwargs):
        if endpoint is not None:
            kwargs.setdefault(
                "initial", {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active}
            )
        super().__init__(*args, record=endpoint, **kwargs)
        if endpoint is None:
            del self.fields["active"]
            teams = Team.objects.filter(memberships__user=manager, memberships__role=Role.MANAGER).distinct()
            self.fields["team"].queryset = teams
            if len(teams) == 1:
                self.fields["team"].initial = teams[0]
                self.fields["team"].widget = forms.HiddenInput()
        else:
            del self.fields["team"]
        self.helper = FormHelper()
        self.helper.form_tag = False
