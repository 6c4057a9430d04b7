from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.html import format_html

from deals.models import Briefing
from deals.services.briefings import EDITABLE_FIELDS
from deals.services.guidelines import GUIDELINES_MAX
from negprep.forms import REQUIRED_MARK, ModelChoiceField, RevisionForm, cap_quantity
from teams.models import Role, Team, User


class BriefingForm(RevisionForm, forms.ModelForm):
    """The plan and the limits; pitch points, objections and concessions are formsets beside it."""

    # A draft saves with any field empty; these are marked because submitting needs them
    # (``submission_problems``, with at least one pitch point).
    NEEDED_TO_SUBMIT = ("objectives", "list_price", "target_price", "walk_away_price", "max_discount_pct")

    class Meta:
        model = Briefing
        fields = EDITABLE_FIELDS
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "approach": forms.Textarea(attrs={"rows": 4}),
            "attendees_interests": forms.Textarea(attrs={"rows": 3}),
            "batna": forms.Textarea(attrs={"rows": 2}),
            "earliest_delivery": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {
            "list_price": "List price (per unit)",
            "target_price": "Target price (per unit)",
            "walk_away_price": "Walk-away price (per unit)",
            "max_discount_pct": "Maximum discount (%)",
        }
        help_texts = {
            "objectives": "What a good outcome of this negotiation looks like.",
            "approach": "How the negotiation should go: opening, agenda, who says what.",
            "walk_away_price": "The lowest unit price we accept; below it we walk away.",
            "max_discount_pct": "The largest discount off the list price you may grant.",
            "payment_terms": "E.g. 30 days net; 2 % skonto within 10 days.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("list_price", "target_price", "walk_away_price"):
            self.fields[name].validators.append(MinValueValidator(Decimal("0"), "Prices cannot be negative."))
            self.fields[name].widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
        self.fields["max_discount_pct"].widget.attrs.update({"min": "0", "max": "100", "step": "0.01"})
        for name in ("quantity_min", "quantity_max"):
            cap_quantity(self.fields[name])
        for name in self.NEEDED_TO_SUBMIT:
            self.fields[name].label = format_html("{}{}", self.fields[name].label, REQUIRED_MARK)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        data = super().clean()
        list_price, target, walk_away = (
            data.get("list_price"),
            data.get("target_price"),
            data.get("walk_away_price"),
        )
        if walk_away is not None and target is not None and walk_away > target:
            self.add_error("walk_away_price", "The walk-away price must not be above the target price.")
        if target is not None and list_price is not None and target > list_price:
            self.add_error("target_price", "The target price must not be above the list price.")
        if walk_away is not None and list_price is not None and walk_away > list_price:
            self.add_error("walk_away_price", "The walk-away price must not be above the list price.")
        earliest = data.get("earliest_delivery")
        if (
            earliest is not None
            and earliest != self.instance.earliest_delivery
            and earliest < timezone.localdate()
        ):
            self.add_error("earliest_delivery", "The earliest delivery we may promise cannot be in the past.")
        qmin, qmax = data.get("quantity_min"), data.get("quantity_max")
        if qmin is not None and qmax is not None and qmin > qmax:
            self.add_error("quantity_max", "The maximum quantity must not be below the minimum.")
        return data


class _RowForm(forms.Form):
    def has_content(self) -> bool:
        return any((self.cleaned_data.get(name) or "").strip() for name in self.row_fields)

    def row(self) -> dict:
        return {name: (self.cleaned_data.get(name) or "").strip() for name in self.row_fields}


class PitchPointForm(_RowForm):
    row_fields = ["feature", "benefit", "evidence"]
    feature = forms.CharField(max_length=200, required=False)
    benefit = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Benefit for this customer",
    )
    evidence = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Reference customers, test results, figures.",
    )

    def clean(self):
        data = super().clean()
        if self.has_content() and not (data.get("feature") or "").strip():
            self.add_error("feature", "Name the feature this point is about.")
        if self.has_content() and not (data.get("benefit") or "").strip():
            self.add_error("benefit", "Say what it brings this customer.")
        return data


class ObjectionForm(_RowForm):
    row_fields = ["objection", "answer"]
    objection = forms.CharField(max_length=300, required=False, label="They may say")
    answer = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="We answer"
    )

    def clean(self):
        data = super().clean()
        if self.has_content() and not (data.get("objection") or "").strip():
            self.add_error("objection", "Write the objection you expect.")
        if self.has_content() and not (data.get("answer") or "").strip():
            self.add_error("answer", "Write how we answer it.")
        return data


class ConcessionForm(_RowForm):
    row_fields = ["give", "get"]
    give = forms.CharField(max_length=300, required=False, label="We give")
    get = forms.CharField(max_length=300, required=False, label="If they give us")

    def clean(self):
        data = super().clean()
        if self.has_content() and not (data.get("give") or "").strip():
            self.add_error("give", "Say what we would concede.")
        if self.has_content() and not (data.get("get") or "").strip():
            self.add_error("get", "Say what we want in return.")
        return data


def _formset(form, max_num):
    return forms.formset_factory(
        form, extra=0, can_delete=True, can_order=True, max_num=max_num, validate_max=True
    )


PitchPointFormSet = _formset(PitchPointForm, 20)
ObjectionFormSet = _formset(ObjectionForm, 20)
ConcessionFormSet = _formset(ConcessionForm, 20)


def formset_rows(formset) -> list[dict]:
    """The rows the user kept, in the order they chose, empty rows dropped."""
    return [form.row() for form in formset.ordered_forms if form.has_content()]


def initial_rows(rows, fields) -> list[dict]:
    return [{**{name: getattr(row, name) for name in fields}, "ORDER": i + 1} for i, row in enumerate(rows)]


class DecisionForm(forms.Form):
    """The decision on a submitted briefing, with the guidelines written beside it on the same card
    (``answering``: the question they answer, if one waits)."""

    comment = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you return the briefing.",
    )
    guidelines = forms.CharField(
        max_length=GUIDELINES_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answering = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1)
    # The version the manager read: a decision never lands on one submitted after they looked.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


class DelegationForm(forms.Form):
    team = ModelChoiceField(queryset=Team.objects.none())
    delegate = ModelChoiceField(queryset=User.objects.none(), label="Delegate to")
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="First day")
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Last day")

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(memberships__user=manager, memberships__role=Role.MANAGER).distinct()
        self.fields["team"].queryset = teams
        if len(teams) == 1:
            self.fields["team"].initial = teams[0]
            self.fields["team"].widget = forms.HiddenInput()
        self.fields["delegate"].queryset = (
            User.objects.filter(memberships__team__in=teams, memberships__role=Role.MANAGER, is_active=True)
            .exclude(pk=manager.pk)
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["delegate"].empty_label = "Choose a manager…"
        self.has_delegates = self.fields["delegate"].queryset.exists()
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        return _check_dates(self, super().clean())


def _check_dates(form: forms.Form, data: dict) -> dict:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        form.add_error("ends_on", "The last day must not be before the first day.")
    if ends and ends < timezone.localdate():
        form.add_error("ends_on", "The last day is in the past.")
    return data


ISO_DATE = "%Y-%m-%d"


class DelegationDatesForm(RevisionForm):
    """New dates for a delegation, with the revision it was read at."""

    starts_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE), label="First day"
    )
    ends_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE), label="Last day"
    )

    def __init__(self, *args, delegation, **kwargs):
        kwargs.setdefault("initial", {"starts_on": delegation.starts_on, "ends_on": delegation.ends_on})
        super().__init__(*args, record=delegation, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("starts_on", "ends_on")

    def clean(self):
        return _check_dates(self, super().clean())
