"""Customers, their contacts, deals, and each deal's timeline and readiness changes."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deals.models.common import Currency, Revised, choice_is
from teams.models import Team


class Customer(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=160)
    industry = models.CharField(max_length=120, blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    # The customer's id in the team's CRM: a re-import finds the customer by it (deals/imports).
    external_id = models.CharField("CRM id", max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="customer_unique_name_per_team"),
            models.UniqueConstraint(
                fields=["team", "external_id"],
                condition=~Q(external_id=""),
                name="customer_unique_crm_id_per_team",
            ),
        ]

    def __str__(self):
        return self.name


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    TECHNICAL_EVALUATOR = "technical_evaluator", "Technical evaluator"
    USER = "user", "User"
    INFLUENCER = "influencer", "Influencer"


class ContactQuerySet(models.QuerySet):
    def active(self) -> "ContactQuerySet":
        """The contacts that are not archived: the ones lists and pickers offer."""
        return self.filter(archived_at__isnull=True)


# What an erased contact is called from then on (``manage.py erase_contact``).
ERASED_CONTACT_NAME = "Erased contact"


class Contact(Revised):
    """A person at the customer. Never deleted: archived (and restored), or erased on request, which
    keeps the row, and so the meetings it attended, without the personal data."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=120, blank=True)
    buying_role = models.CharField(max_length=24, choices=BuyingRole.choices)
    cares_about = models.TextField(
        blank=True, max_length=2000, help_text="What this person cares about in this deal."
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    external_id = models.CharField("CRM id", max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the personal data was erased on request."
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True) | Q(archived_at__isnull=False),
                name="contact_erased_is_archived",
            ),
            models.UniqueConstraint(
                fields=["customer", "external_id"],
                condition=~Q(external_id=""),
                name="contact_unique_crm_id_per_customer",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_buying_role_display()})"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class DealStatus(models.TextChoices):
    PREPARING = "preparing", "Preparing"
    READY = "ready", "Ready"
    NEGOTIATING = "negotiating", "Negotiating"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_DEAL_STATUSES = [DealStatus.PREPARING, DealStatus.READY, DealStatus.NEGOTIATING]
CLOSED_DEAL_STATUSES = [DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN]


class DealQuerySet(models.QuerySet):
    def unarchived(self) -> "DealQuerySet":
        """The deals that are not archived: the ones lists, home panels and queues show."""
        return self.filter(archived_at__isnull=True)


class Deal(Revised):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="deals")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_deals")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals")
    title = models.CharField(max_length=160)
    scope = models.TextField("products / scope", max_length=4000)
    quantity = models.PositiveIntegerField(null=True, blank=True)
    requested_delivery_date = models.DateField(null=True, blank=True)
    special_requirements = models.TextField(blank=True, max_length=4000)
    estimated_value = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    involves_production = models.BooleanField(
        default=False, help_text="Production must confirm we can make it."
    )
    involves_delivery = models.BooleanField(
        default=False, help_text="Supply chain must confirm we can deliver by the date."
    )
    special_payment_terms = models.BooleanField(
        default=False, help_text="The customer asks for payment terms beyond the standard."
    )
    status = models.CharField(max_length=16, choices=DealStatus.choices, default=DealStatus.PREPARING)
    external_id = models.CharField("CRM id", max_length=64, blank=True)
    # Set when someone closes the deal by hand (``deal_close``); a report's outcome closes it
    # without a reason of its own (the report is the reason).
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(blank=True, max_length=1000)
    # An archived deal leaves the lists, home panels and queues and is read-only; it is never deleted.
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DealStatus.values), name="deal_status_valid"),
            models.CheckConstraint(condition=Q(estimated_value__gte=0), name="deal_value_not_negative"),
            # Only a closed deal is archived: an open one still has meetings, reminders and queues.
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | Q(status__in=CLOSED_DEAL_STATUSES),
                name="deal_archived_is_closed",
            ),
            models.UniqueConstraint(
                fields=["team", "external_id"],
                condition=~Q(external_id=""),
                name="deal_unique_crm_id_per_team",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="deal_team_status_idx"),
            models.Index(fields=["owner", "status"], name="deal_owner_status_idx"),
        ]

    def __str__(self):
        return f"{self.title} — {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DEAL_STATUSES

    is_preparing = choice_is("status", DealStatus.PREPARING)
    is_ready = choice_is("status", DealStatus.READY)
    is_negotiating = choice_is("status", DealStatus.NEGOTIATING)
    is_won = choice_is("status", DealStatus.WON)
    is_lost = choice_is("status", DealStatus.LOST)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Activity(models.Model):
    """One entry of a deal's timeline."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=40)
    summary = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["deal", "-created_at"], name="activity_deal_time_idx")]

    def __str__(self):
        return self.summary


class ReadinessChange(models.Model):
    """A deal moving to ready, or back to preparing (``readiness_refresh``).

    The timeline tells people; these rows tell the code whether a deal was
    ready at a given moment, e.g. when a meeting started.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="readiness_changes")
    ready = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["deal", "-at"], name="readiness_change_deal_idx")]

    def __str__(self):
        return f"{'ready' if self.ready else 'not ready'} at {self.at:%Y-%m-%d %H:%M}"
