"""The negotiation report filed after a meeting."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from deals.models.common import Revised, choice_is
from deals.models.meetings import Meeting


class ReportOutcome(models.TextChoices):
    WON = "won", "Won"
    LOST = "lost", "Lost"
    CONTINUE = "continue", "Continue negotiating"
    NO_DECISION = "no_decision", "No decision"


class NegotiationReport(Revised):
    """What happened at a meeting, checked against what was approved."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="report")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=ReportOutcome.choices)
    agreed_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    discount_pct = models.DecimalField(
        "discount (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    discount_note = models.CharField(
        "why the price and the discount differ",
        max_length=500,
        blank=True,
        help_text="The rep's reason when the discount is not what the agreed price means off the list price.",
    )
    quantity = models.PositiveIntegerField(null=True, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    net_days = models.PositiveIntegerField("payment terms: net days", null=True, blank=True)
    deposit_pct = models.DecimalField(
        "payment terms: deposit (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    instalments = models.PositiveIntegerField("payment terms: instalments", null=True, blank=True)
    payment_terms = models.CharField("payment terms as agreed", max_length=300, blank=True)
    concessions_given = models.TextField(blank=True, max_length=2000)
    concessions_received = models.TextField(blank=True, max_length=2000)
    next_steps = models.TextField(blank=True, max_length=2000)
    lessons = models.TextField(blank=True, max_length=2000)
    breaches = models.JSONField(default=list, blank=True)
    corrected_breaches = models.JSONField(
        default=list,
        blank=True,
        help_text="Breaches flagged on an earlier filing that a correction of the figures removed.",
    )
    correction_note = models.TextField(
        "why the figures were corrected", blank=True, max_length=1000, help_text="The rep's latest reason."
    )
    ready_at_meeting = models.BooleanField(
        default=False,
        help_text="Whether the deal was ready (every item that applies done) when the meeting started.",
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ReportOutcome.values), name="report_outcome_valid"
            ),
        ]
        indexes = [
            # Reports with breaches (or breaches since corrected), looked up meeting by meeting for
            # the meetings of a manager's teams, with what they are sorted by.
            models.Index(
                fields=["meeting"],
                condition=~Q(breaches=[], corrected_breaches=[]),
                include=["updated_at"],
                name="report_breached_idx",
            ),
        ]

    def __str__(self):
        return f"Report on {self.meeting}"

    @property
    def has_breaches(self) -> bool:
        return bool(self.breaches)

    @property
    def ever_breached(self) -> bool:
        return bool(self.breaches or self.corrected_breaches)

    is_won = choice_is("outcome", ReportOutcome.WON)
    is_lost = choice_is("outcome", ReportOutcome.LOST)
    is_continuing = choice_is("outcome", ReportOutcome.CONTINUE)
