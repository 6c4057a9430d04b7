import copy
import datetime
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms
from django.utils import timezone

from deals.models import NegotiationReport, ReportOutcome
from deals.services.reports import REPORT_FIELDS
from negprep.forms import RevisionForm, cap_quantity

RESULTS_DEFAULT_DAYS = 90
_MONEY = {"min": "0", "step": "0.01", "inputmode": "decimal"}
_PERCENT = {"min": "0", "max": "100", "step": "0.01", "inputmode": "decimal"}


class ReportForm(RevisionForm, forms.ModelForm):
    """What happened at the meeting; who filed it, the breaches and the readiness are set by the service.

    It carries the report's revision, and 0 when no report was filed yet: a report is filed once per
    meeting, so a report another tab filed meanwhile (revision 1 or more) is not overwritten unseen.
    """

    agreed_price = forms.DecimalField(
        label="Agreed price (per unit)",
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text="In the currency of the briefing. Required when the deal is won; otherwise leave it empty "
        "when no price was agreed.",
    )
    discount_pct = forms.DecimalField(
        label="Discount (%)",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text="Off the list price.",
    )
    deposit_pct = forms.DecimalField(
        label="Deposit (%)",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
    )
    net_days = forms.IntegerField(label="Net days", required=False, min_value=0)
    instalments = forms.IntegerField(label="Instalments", required=False, min_value=1)
    quantity = forms.IntegerField(label="Quantity (units)", required=False, min_value=0)

    class Meta:
        model = NegotiationReport
        fields = REPORT_FIELDS
        labels = {
            "outcome": "Outcome",
            "delivery_date": "Delivery date",
            "discount_note": "Why do the price and the discount differ?",
            "payment_terms": "Payment terms as agreed (in words)",
            "concessions_given": "Concessions we gave",
            "concessions_received": "Concessions we received",
            "next_steps": "Next steps",
            "lessons": "Lessons learned",
        }
        help_texts = {
            "delivery_date": "The delivery date promised to the customer.",
            "payment_terms": "E.g. 45 days net, 10 % deposit, 2 % skonto within 10 days.",
            "lessons": "What would you prepare differently next time?",
        }
        widgets = {
            "outcome": forms.RadioSelect,
            "delivery_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "concessions_given": forms.Textarea(attrs={"rows": 2}),
            "concessions_received": forms.Textarea(attrs={"rows": 2}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
            "lessons": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, list_price: str = "", **kwargs):
        """``list_price``: the approved list price as the pages write it, which the agreed price and
        the discount must agree with; empty without approved limits (nothing to agree with)."""
        super().__init__(*args, **kwargs)
        if "revision" not in self.fields:
            self.fields["revision"] = copy.deepcopy(RevisionForm.base_fields["revision"])
            self.fields["revision"].required = False
            self.fields["revision"].initial = 0
        self.fields["outcome"].choices = ReportOutcome.choices
        self.fields["outcome"].error_messages["required"] = "Choose the outcome of the meeting."
        for name in ("agreed_price",):
            self.fields[name].widget.attrs.update(_MONEY)
        for name in ("discount_pct", "deposit_pct"):
            self.fields[name].widget.attrs.update(_PERCENT)
        self.fields["quantity"].widget.attrs.update({"min": "0", "step": "1"})
        cap_quantity(self.fields["quantity"])
        self.fields["net_days"].widget.attrs.update({"min": "0", "step": "1"})
        self.fields["instalments"].widget.attrs.update({"min": "1", "step": "1"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("outcome"),
            Row(
                Column(Field("agreed_price"), css_class="col-md-4"),
                Column(Field("discount_pct"), css_class="col-md-4"),
                Column(Field("quantity"), css_class="col-md-4"),
            ),
            *(
                [Field("discount_note", placeholder="e.g. 50 units free of charge instead of a lower price")]
                if list_price
                else []
            ),
            Field("delivery_date"),
            HTML(
                '<h3 class="h6 mt-2">Payment terms <span class="fw-normal text-body-secondary small">'
                "(leave empty what was not agreed)</span></h3>"
            ),
            Row(
                Column(Field("net_days"), css_class="col-md-4"),
                Column(Field("deposit_pct"), css_class="col-md-4"),
                Column(Field("instalments"), css_class="col-md-4"),
            ),
            Field("payment_terms"),
            Row(
                Column(Field("concessions_given"), css_class="col-md-6"),
                Column(Field("concessions_received"), css_class="col-md-6"),
            ),
            Field("next_steps"),
            Field("lessons"),
        )
        if list_price:
            self.fields["discount_pct"].help_text = f"Off the approved list price of {list_price}."
            self.fields["discount_note"].help_text = (
                "Only when the discount is not what the agreed price means off the list price "
                "(within half a point). Your manager reads it on the report."
            )
        if self.instance.pk and self.instance.breaches:
            # Correcting figures that breached the limits needs a reason the manager can judge.
            self.fields["correction_note"] = forms.CharField(
                label="Why are the figures changing?",
                required=False,
                max_length=NegotiationReport._meta.get_field("correction_note").max_length,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Needed when you change a price, discount, quantity, date or payment term: "
                "a typo, or a renegotiation? Your manager sees it with the correction.",
            )
            self.helper.layout.insert(0, Field("correction_note"))

    def clean(self):
        data = super().clean()
        won = data.get("outcome") == ReportOutcome.WON
        if won and data.get("agreed_price") is None and "agreed_price" not in self.errors:
            self.add_error("agreed_price", "A won deal has an agreed price: enter it.")
        return data


class ResultsPeriodForm(forms.Form):
    """The period of the results page; a missing or malformed date falls back to the default."""

    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        default_from, default_to = self.default_period()
        kwargs.setdefault("initial", {"date_from": default_from, "date_to": default_to})
        super().__init__(*args, **kwargs)
        self.reversed = False
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column(Field("date_from"), css_class="col-sm-auto"),
                Column(Field("date_to"), css_class="col-sm-auto"),
            )
        )

    @staticmethod
    def default_period() -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        return today - datetime.timedelta(days=RESULTS_DEFAULT_DAYS), today

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        self.reversed = bool(start and end and start > end)
        if self.reversed:
            self.add_error("date_to", "The last day must not be before the first day.")
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen period; a missing or invalid date is the default's (the last 90 days)."""
        default_from, default_to = self.default_period()
        if not self.is_bound or (not self.is_valid() and self.reversed):
            return default_from, default_to
        start = self.cleaned_data.get("date_from") or default_from
        end = self.cleaned_data.get("date_to") or default_to
        if start > end:
            return default_from, default_to
        return start, end
