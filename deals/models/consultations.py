"""Consultations of the departments: production, supply chain and finance.

The boss's part is the briefing's thread (guidelines and approval, ``deals.models.guidelines``),
and finance's part on payment terms is the payment-term request: a finance consultation holds
only questions beyond payment terms.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deals.models.common import Revised, choice_is
from deals.models.deals import Deal


class Department(models.TextChoices):
    PRODUCTION = "production", "Production"
    SUPPLY_CHAIN = "supply_chain", "Supply chain"
    FINANCE = "finance", "Finance"


# Which team role answers each department's consultations.
DEPARTMENT_ROLES = {
    Department.PRODUCTION: "production",
    Department.SUPPLY_CHAIN: "supply_chain",
    Department.FINANCE: "finance",
}


# Production and supply chain answer in structured fields; finance in words.
STRUCTURED_DEPARTMENTS = {Department.PRODUCTION, Department.SUPPLY_CHAIN}


class ConsultationStatus(models.TextChoices):
    OPEN = "open", "Open"
    REQUESTED = "requested", "Requested"
    ANSWERED = "answered", "Answered"
    WAIVED = "waived", "Waived"


UNSETTLED_CONSULTATION_STATUSES = [ConsultationStatus.OPEN, ConsultationStatus.REQUESTED]


class CanFulfil(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class Consultation(Revised):
    """A question to a department about a deal, and its answer.

    ``required`` consultations are derived from the deal (production and delivery, see
    ``deals.services.required_consultations.consultations_derive``); the rep may add
    optional ones, finance's among them. An assignee of ``None`` means the department's queue.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="consultations")
    department = models.CharField(max_length=16, choices=Department.choices)
    required = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    questions = models.TextField(blank=True, max_length=4000)
    status = models.CharField(
        max_length=12, choices=ConsultationStatus.choices, default=ConsultationStatus.OPEN
    )
    due_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)

    # The answer. Production and supply chain fill the structured fields;
    # finance gives guidance in ``answer``.
    answer = models.TextField(blank=True, max_length=6000)
    can_fulfil = models.CharField(max_length=8, choices=CanFulfil.choices, blank=True)
    missing = models.TextField("what is missing", blank=True, max_length=2000)
    extra_resources = models.TextField("extra resources needed", blank=True, max_length=2000)
    lead_time_days = models.PositiveIntegerField("lead time to mobilise (days)", null=True, blank=True)
    committed_date = models.DateField("earliest date we commit to", null=True, blank=True)
    support = models.TextField("how we support the rep", blank=True, max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    waive_reason = models.TextField(blank=True, max_length=2000)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "department"],
                condition=Q(required=True),
                name="consultation_one_required_per_department",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ConsultationStatus.values), name="consultation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(department__in=Department.values), name="consultation_department_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["deal", "status"], name="consultation_deal_status_idx"),
            models.Index(
                fields=["status", "due_at"],
                condition=Q(status__in=["open", "requested"]),
                name="consultation_unsettled_idx",
            ),
            models.Index(fields=["assignee", "status"], name="consultation_assignee_idx"),
            # Department queues, looked up deal by deal by the access gate (deals.access).
            models.Index(
                fields=["deal", "department"],
                condition=Q(assignee__isnull=True) & ~Q(status="open"),
                name="consultation_queue_idx",
            ),
            # The reminder sweep reads the unsettled required consultations of the deals meeting soon.
            models.Index(
                fields=["deal"],
                condition=Q(required=True, status__in=["open", "requested"]),
                include=["status", "department", "assignee"],
                name="consultation_reminder_idx",
            ),
            # What waits for an answer, looked up deal by deal for the deals of the user's teams.
            models.Index(
                fields=["deal", "department"],
                condition=Q(status="requested"),
                include=["assignee"],
                name="consultation_requested_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_department_display()} consultation on {self.deal}"

    @property
    def is_settled(self) -> bool:
        return self.status in (ConsultationStatus.ANSWERED, ConsultationStatus.WAIVED)

    is_open = choice_is("status", ConsultationStatus.OPEN)  # not asked yet
    is_requested = choice_is("status", ConsultationStatus.REQUESTED)
    is_answered = choice_is("status", ConsultationStatus.ANSWERED)
    is_waived = choice_is("status", ConsultationStatus.WAIVED)
    asks_about_delivery = choice_is("department", Department.SUPPLY_CHAIN)
    can_fulfil_in_full = choice_is("can_fulfil", CanFulfil.YES)
    can_fulfil_in_part = choice_is("can_fulfil", CanFulfil.PARTLY)
    cannot_fulfil = choice_is("can_fulfil", CanFulfil.NO)

    @property
    def is_overdue(self) -> bool:
        """Asked, and its due time has passed without an answer."""
        return self.is_requested and self.due_at is not None and self.due_at < timezone.now()

    @property
    def answering_role(self) -> str:
        return DEPARTMENT_ROLES[self.department]
