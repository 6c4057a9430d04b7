"""The team's finance policy and payment-term requests."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from deals.models.common import Revised, choice_is
from deals.models.deals import Deal
from teams.models import Team


class FinancePolicy(Revised):
    """What finance grants without a case-by-case review, and the most it may grant."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="finance_policy")
    standard_net_days = models.PositiveIntegerField(default=30, validators=[MaxValueValidator(365)])
    max_net_days = models.PositiveIntegerField(
        "most net days finance may grant", default=90, validators=[MaxValueValidator(365)]
    )
    min_deposit_pct = models.DecimalField(
        "minimum deposit (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    max_instalments = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    early_payment_discount_allowed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "finance policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(max_net_days__gte=F("standard_net_days")),
                name="finance_policy_max_not_below_standard",
                violation_error_message="The most net days finance may grant must not be below the standard.",
            ),
            models.CheckConstraint(
                condition=Q(min_deposit_pct__gte=0) & Q(min_deposit_pct__lte=100),
                name="finance_policy_deposit_in_range",
            ),
            models.CheckConstraint(
                condition=Q(max_instalments__gte=1), name="finance_policy_instalments_min"
            ),
        ]

    def __str__(self):
        return f"Finance policy of {self.team}"


class PaymentTermStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    COUNTERED = "countered", "Countered"
    REJECTED = "rejected", "Rejected"


class PaymentTermRequest(Revised):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="payment_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    net_days = models.PositiveIntegerField()
    deposit_pct = models.DecimalField(
        "deposit (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    instalments = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    early_payment_discount = models.BooleanField(default=False)
    other_conditions = models.TextField(blank=True, max_length=2000)
    customer_reason = models.TextField(max_length=2000)
    justification = models.TextField(blank=True, max_length=2000)
    outside_policy = models.BooleanField(default=False)
    policy_breaches = models.JSONField(default=list, blank=True)
    auto_approved = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=PaymentTermStatus.choices, default=PaymentTermStatus.SUBMITTED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True, max_length=2000)
    counter_net_days = models.PositiveIntegerField(null=True, blank=True)
    counter_deposit_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    counter_instalments = models.PositiveIntegerField(null=True, blank=True)
    counter_early_payment_discount = models.BooleanField(
        null=True, blank=True, help_text="Whether the counter-offer grants the early-payment discount."
    )
    counter_conditions = models.TextField(blank=True, max_length=2000)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PaymentTermStatus.values), name="payment_request_status_valid"
            ),
            models.CheckConstraint(condition=Q(instalments__gte=1), name="payment_request_instalments_min"),
        ]
        indexes = [
            models.Index(fields=["deal", "status"], name="payment_request_deal_idx"),
            models.Index(fields=["status", "created_at"], name="payment_request_queue_idx"),
        ]

    def __str__(self):
        return f"{self.net_days} days net for {self.deal}"

    is_submitted = choice_is("status", PaymentTermStatus.SUBMITTED)
    is_approved = choice_is("status", PaymentTermStatus.APPROVED)
    is_countered = choice_is("status", PaymentTermStatus.COUNTERED)
