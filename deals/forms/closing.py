from crispy_forms.layout import Field
from django import forms

from deals.models import CLOSED_DEAL_STATUSES, Deal, DealStatus
from negprep.forms import inner_form_helper


class DealCloseForm(forms.Form):
    """How the deal ends and why; the service closes it."""

    outcome = forms.ChoiceField(
        choices=[(status, DealStatus(status).label) for status in CLOSED_DEAL_STATUSES],
        widget=forms.RadioSelect,
        label="How the deal ends",
        error_messages={"required": "Choose won, lost or withdrawn."},
    )
    reason = forms.CharField(
        max_length=Deal._meta.get_field("close_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why",
        help_text="e.g. “Signed the frame contract at 212 EUR” or “Lost to a cheaper offer”. "
        "Shown on the deal and its timeline.",
        error_messages={"required": "Say why the deal ends: your team reads it on the timeline."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inner_form_helper(Field("outcome"), Field("reason"))


class DealReopenForm(forms.Form):
    """Why a closed deal is open again; the service reopens it."""

    reason = forms.CharField(
        max_length=Deal._meta.get_field("close_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why",
        help_text="e.g. “The customer came back with a new budget” or “Closed by mistake”. "
        "Shown on the deal's timeline.",
        error_messages={"required": "Say why the deal is open again: your team reads it on the timeline."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inner_form_helper(Field("reason"))
