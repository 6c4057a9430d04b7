from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms

from deals.models import FinancePolicy, PaymentTermRequest
from deals.services.payments import breached_fields, policy_breaches

TERM_FIELDS = ["net_days", "deposit_pct", "instalments", "early_payment_discount"]


class PaymentRequestForm(forms.ModelForm):
    """The terms the rep asks for; status, approval and reviewer are set by the service, never by POST."""

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
            "net_days": "Days after invoice until payment is due.",
            "deposit_pct": "Share of the order value paid up front.",
            "instalments": "1 means one payment.",
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
        self.fields["net_days"].widget.attrs.update({"min": "0", "step": "1"})
        self.fields["deposit_pct"].widget.attrs.update({"min": "0", "max": "100", "step": "0.01"})
        self.fields["instalments"].widget.attrs.update({"min": "1", "step": "1"})
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
        breaches = self.breaches()
        if breaches and not (data.get("justification") or "").strip():
            self.add_error(
                "justification",
                "Required: these terms are outside the finance policy (" + "; ".join(breaches) + ").",
            )
        return data


class PaymentCheckForm(forms.Form):
    """The terms alone, read from the request form while the rep types (see the check endpoint)."""

    net_days = forms.IntegerField(min_value=0)
    deposit_pct = forms.DecimalField(
        min_value=Decimal("0"), max_value=Decimal("100"), decimal_places=2, max_digits=5
    )
    instalments = forms.IntegerField(min_value=1)
    early_payment_discount = forms.BooleanField(required=False)


class PaymentDecisionForm(forms.Form):
    """Finance's decision; the button pressed says which one."""

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
    counter_net_days = forms.IntegerField(min_value=0, required=False, label="Net days")
    counter_deposit_pct = forms.DecimalField(
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        max_digits=5,
        required=False,
        label="Deposit (%)",
        help_text="Left empty: as requested.",
    )
    counter_instalments = forms.IntegerField(
        min_value=1, required=False, label="Instalments", help_text="Left empty: as requested."
    )
    counter_conditions = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Conditions"
    )

    def __init__(self, *args, policy: FinancePolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["counter_net_days"].help_text = f"At most {policy.max_net_days}."
        self.fields["counter_net_days"].widget.attrs.update({"max": str(policy.max_net_days), "min": "0"})
        self.fields["counter_deposit_pct"].widget.attrs.update({"min": "0", "max": "100", "step": "0.01"})
        self.fields["counter_instalments"].widget.attrs.update({"min": "1"})
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
            Field("counter_conditions"),
        )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "counter":
            net_days = data.get("counter_net_days")
            if net_days is None and "counter_net_days" not in self.errors:
                self.add_error("counter_net_days", "A counter-offer needs at least the net days you grant.")
            elif net_days is not None and net_days > self.policy.max_net_days:
                self.add_error(
                    "counter_net_days",
                    f"Finance may grant at most {self.policy.max_net_days} net days.",
                )
        return data
