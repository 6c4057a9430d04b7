"""The boss's guidelines: the rep's question and the manager's answer."""

from django import forms

from deals.services.guidelines import GUIDELINES_MAX, QUESTIONS_MAX
from negprep.forms import inner_form_helper


class GuidelinesAskForm(forms.Form):
    """What the rep asks the managers; ``revision`` is that of the question waiting when the form
    was opened (empty when none was), so a question answered or changed since is not overwritten."""

    questions = forms.CharField(
        max_length=QUESTIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What would you like guidelines on?",
        help_text="Your managers are asked; any of them answers, before or after you write the limits.",
        error_messages={"required": "Write what you would like guidelines on."},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inner_form_helper()


class GuidelinesGiveForm(forms.Form):
    """A manager's guidelines; ``answering`` is the question they answer (empty: unasked)."""

    guidelines = forms.CharField(
        max_length=GUIDELINES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Your guidelines",
        help_text="What the rep should aim for, avoid and where they may give way.",
        error_messages={"required": "Write your guidelines for the negotiation."},
    )
    answering = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inner_form_helper()
