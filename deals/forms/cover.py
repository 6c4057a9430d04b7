from crispy_forms.helper import FormHelper
from django import forms

from deals.models import OnCall, OnCallStatus
from deals.selectors.cover import colleague_choices
from deals.services.cover import PHONE_MAX_LENGTH, on_call_phone_problem
from negprep.forms import DateTimeField, ModelChoiceField, ReadOnceChoices, RevisionForm
from teams.models import User


class ColleagueField(ModelChoiceField):
    iterator = ReadOnceChoices

    def __init__(self, *, labels, **kwargs):
        self.labels = labels
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return self.labels.get(obj.pk, str(obj))


class OnCallForm(RevisionForm):
    """Asking a colleague to be on call, or (``on_call``) changing the details they were asked with:
    then the colleague is fixed and the form carries the cover's revision."""

    member = ModelChoiceField(queryset=User.objects.none(), label="Colleague on call")
    topic = forms.CharField(max_length=120, help_text="What they can answer, e.g. technical specs, delivery.")
    phone = forms.CharField(
        max_length=PHONE_MAX_LENGTH,
        required=False,
        help_text="Digits, spaces and + ( ) . / - only. Leave empty to use the number on their team profile; "
        "needed when they have none there.",
        error_messages={"max_length": f"A phone number has at most {PHONE_MAX_LENGTH} characters."},
    )
    available_from = DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Default: 15 minutes before the meeting; no later than its start.",
    )
    available_to = DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Default: 15 minutes after it ends; no earlier than its end.",
    )

    def __init__(self, *args, deal, on_call: OnCall | None = None, **kwargs):
        if on_call is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(on_call, name)
                    for name in ("topic", "phone", "available_from", "available_to")
                },
            )
        super().__init__(*args, record=on_call, **kwargs)
        if on_call is not None:
            del self.fields["member"]
        else:
            users, labels = colleague_choices(deal=deal)
            self.fields["member"] = ColleagueField(
                queryset=User.objects.filter(pk__in=users), labels=labels, label="Colleague on call"
            )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if phone and (problem := on_call_phone_problem(phone)):
            raise forms.ValidationError(problem)
        return phone


class CoNegotiatorForm(forms.Form):
    member = ModelChoiceField(queryset=User.objects.none(), label="Colleague to come along")

    def __init__(self, *args, deal, **kwargs):
        super().__init__(*args, **kwargs)
        users, labels = colleague_choices(deal=deal)
        self.fields["member"] = ColleagueField(
            queryset=User.objects.filter(pk__in=users),
            labels=labels,
            label="Colleague to come along",
            empty_label="Choose a colleague…",
        )


class CoverAnswerForm(forms.Form):
    """A colleague's accept or decline, with the revision of the details they read and the answer
    the page showed, so that changed details or a second click are refused, not applied."""

    OUT_OF_DATE = "This page is out of date: reload it and answer again. Nothing was answered."

    accept = forms.TypedChoiceField(choices=[("1", "Accept"), ("0", "Decline")], coerce=lambda v: v == "1")
    revision = forms.IntegerField(min_value=0)
    status = forms.ChoiceField(choices=OnCallStatus.choices)
