from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms

from deals.domain.payment_policy import (
    MAX_INSTALMENTS,
    MAX_NET_DAYS,
    breached_fields,
    counter_problems,
    justification_problem,
    policy_breaches,
)
from deals.formatting import pct
from deals.models import FinancePolicy, PaymentTermRequest
from negprep.forms import RevisionForm

TERM_FIELDS = ["net_days", "deposit_pct", "instalments", "early_payment_discount"]
NET_DAYS_BOUNDS = {
    "min_value": 0,
    "max_value": MAX_NET_DAYS,
    "error_messages": {
        "min_value": "Net days cannot be negative.",
        "max_value": f"Net days are at most {MAX_NET_DAYS} (one year).",
    },
}
DEPOSIT_BOUNDS = {
    "min_value": Decimal("0"),
    "max_value": Decimal("100"),
    "decimal_places": 2,
    "max_digits": 5,
    "error_messages": {
        "min_value": "The deposit cannot be negative.",
        "max_value": "The deposit is at most 100 %%.",  # %-formatted with the limit
    },
}
INSTALMENTS_BOUNDS = {
    "min_value": 1,
    "max_value": MAX_INSTALMENTS,
    "error_messages": {
        "min_value": "There is at least one instalment.",
        "max_value": f"At most {MAX_INSTALMENTS} instalments.",
    },
}


class PaymentRequestForm(RevisionForm, forms.ModelForm):
    """The terms the rep asks for, or changes while finance has not decided (then with the request's
    revision); status, approval and reviewer are set by the service, never by POST."""

    net_days = forms.IntegerField(label="Net days", **NET_DAYS_BOUNDS)
    deposit_pct = forms.DecimalField(label="Deposit (%)", **DEPOSIT_BOUNDS)
    instalments = forms.IntegerField(label="Instalments", **INSTALMENTS_BOUNDS)

    class Meta:
        model = PaymentTermRequest
        fields = [
            "net_days",
            "deposit_pct",
            "instalments",
            "early_payment_discount",
            "other_conditions",
            "customer_reason",
            "justification",
        ]
        labels = {
            "net_days": "Net days",
            "deposit_pct": "Deposit (%)",
            "instalments": "Instalments",
            "early_payment_discount": "Early-payment discount",
            "other_conditions": "Other conditions",
            "customer_reason": "The customer's reason",
            "justification": "Your justification",
        }
        help_texts = {
            "early_payment_discount": "The customer gets a discount for paying early (skonto).",
            "other_conditions": "E.g. payment on acceptance, letter of credit.",
            "customer_reason": "Why the customer asks for these terms.",
            "justification": "Why we should grant them. Required when the terms are outside the policy.",
        }
        widgets = {
            "other_conditions": forms.Textarea(attrs={"rows": 2}),
            "customer_reason": forms.Textarea(attrs={"rows": 2}),
            "justification": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, policy: FinancePolicy, check_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        # The policy where the rep types each term, not only in the table beside the form.
        self.fields["net_days"].help_text = (
            f"Days after invoice until payment is due. Standard {policy.standard_net_days}; "
            f"finance may grant up to {policy.max_net_days}."
        )
        self.fields[
            "deposit_pct"
        ].help_text = (
            f"Share of the order value paid up front. Policy minimum: {pct(policy.min_deposit_pct)} %."
        )
        self.fields[
            "instalments"
        ].help_text = f"1 means one payment. Policy maximum: {policy.max_instalments}."
        self.fields["deposit_pct"].widget.attrs.update({"step": "0.01"})
        self.fields["customer_reason"].required = True
        if check_url:
            # Each change asks the server which terms are outside the policy.
            for name in TERM_FIELDS:
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": check_url,
                        "hx-trigger": "input changed delay:300ms, change",
                        "hx-target": "#policy-check",
                        "hx-swap": "outerHTML",
                        "hx-include": "closest form",
                    }
                )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column(Field("net_days"), css_class="col-md-4"),
                Column(Field("deposit_pct"), css_class="col-md-4"),
                Column(Field("instalments"), css_class="col-md-4"),
            ),
            Field("early_payment_discount"),
            Field("other_conditions"),
            Field("customer_reason"),
            Field("justification"),
        )

    def terms(self) -> dict | None:
        """The four policy-relevant terms once each is valid, else ``None``."""
        data = getattr(self, "cleaned_data", {})
        if any(name not in data or data[name] is None for name in TERM_FIELDS):
            return None
        return {name: data[name] for name in TERM_FIELDS}

    def breaches(self) -> list[str]:
        terms = self.terms()
        return policy_breaches(policy=self.policy, **terms) if terms else []

    def breached(self) -> set[str]:
        terms = self.terms()
        return breached_fields(policy=self.policy, **terms) if terms else set()

    def clean(self):
        data = super().clean()
        justification = data.get("justification")
        if problem := justification_problem(breaches=self.breaches(), justification=justification):
            self.add_error("justification", problem)
        return data


class PaymentCheckForm(forms.Form):
    """The terms alone, read from the request form while the rep types (see the check endpoint)."""

    net_days = forms.IntegerField(**NET_DAYS_BOUNDS)
    deposit_pct = forms.DecimalField(**DEPOSIT_BOUNDS)
    instalments = forms.IntegerField(**INSTALMENTS_BOUNDS)
    early_payment_discount = forms.BooleanField(required=False)


class PaymentDecisionForm(RevisionForm):
    """Finance's decision on the request as they read it (``request``: its revision goes along);
    the button pressed says which one."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("counter", "Counter"), ("reject", "Reject")],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note for the rep",
        help_text="Required for every decision: why, and what the rep should know.",
        error_messages={"required": "Add a note for the rep: every decision needs one."},
    )
    counter_net_days = forms.IntegerField(required=False, label="Net days", **NET_DAYS_BOUNDS)
    counter_deposit_pct = forms.DecimalField(required=False, label="Deposit (%)", **DEPOSIT_BOUNDS)
    counter_instalments = forms.IntegerField(required=False, label="Instalments", **INSTALMENTS_BOUNDS)
    counter_early_payment_discount = forms.TypedChoiceField(
        label="Early-payment discount",
        choices=[("", "As requested"), ("yes", "Grant it"), ("no", "Leave it out")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
    )
    counter_conditions = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Conditions"
    )

    def __init__(self, *args, policy: FinancePolicy, request: PaymentTermRequest | None = None, **kwargs):
        super().__init__(*args, record=request, **kwargs)
        self.policy = policy
        minimum_deposit = pct(policy.min_deposit_pct)
        self.fields[
            "counter_net_days"
        ].help_text = f"Needed for a counter-offer. At most {policy.max_net_days}."
        self.fields["counter_net_days"].widget.attrs["max"] = str(min(policy.max_net_days, MAX_NET_DAYS))
        self.fields[
            "counter_deposit_pct"
        ].help_text = f"At least {minimum_deposit} % (policy minimum). Left empty: as requested."
        self.fields["counter_deposit_pct"].widget.attrs.update({"min": minimum_deposit, "step": "0.01"})
        self.fields[
            "counter_instalments"
        ].help_text = f"At most {policy.max_instalments} (policy maximum). Left empty: as requested."
        self.fields["counter_instalments"].widget.attrs["max"] = str(
            min(policy.max_instalments, MAX_INSTALMENTS)
        )
        if not policy.early_payment_discount_allowed:
            self.fields["counter_early_payment_discount"].help_text = "The policy allows none."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The decision comes from the button pressed, so the layout leaves it out.
        self.helper.layout = Layout(
            Field("note"),
            HTML(
                '<h3 class="h6 mt-3">Counter-offer <span class="fw-normal text-body-secondary small">'
                "(only for “Counter”)</span></h3>"
            ),
            Row(
                Column(Field("counter_net_days"), css_class="col-md-4"),
                Column(Field("counter_deposit_pct"), css_class="col-md-4"),
                Column(Field("counter_instalments"), css_class="col-md-4"),
            ),
            Field("counter_early_payment_discount"),
            Field("counter_conditions"),
        )

    def stored_values(self, current) -> dict:
        # The form holds finance's decision, not the terms: the page shows the terms as they are now.
        return {}

    def clean(self):
        data = super().clean()
        if data.get("decision") == "counter":
            # Terms left empty stay as requested: the service checks those, with the same rules.
            problems = counter_problems(
                policy=self.policy,
                net_days=data.get("counter_net_days"),
                deposit_pct=data.get("counter_deposit_pct"),
                instalments=data.get("counter_instalments"),
                early_payment_discount=data.get("counter_early_payment_discount"),
            )
            for name, problem in problems.items():
                if name not in self.errors:
                    self.add_error(name, problem)
        return data
