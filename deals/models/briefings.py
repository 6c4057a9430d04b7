"""The briefing (limits, pitch, objections, concessions), its submitted versions and their approval."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from deals.formatting import concession
from deals.models.common import Currency, Revised, choice_is
from deals.models.deals import Deal
from teams.models import Team


class BriefingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Briefing(models.Model):
    """The negotiation plan of a deal: one per deal, versioned.

    ``version`` is the number of the version being worked on. ``revision``
    increases with every save so that two people editing at once cannot
    overwrite each other (the later save is refused).
    """

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="briefing")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=BriefingStatus.choices, default=BriefingStatus.DRAFT)
    revision = models.PositiveIntegerField(default=0)
    approved_version = models.ForeignKey(
        "BriefingVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objectives = models.TextField(blank=True, max_length=4000)
    approach = models.TextField("approach and agenda", blank=True, max_length=6000)
    attendees_interests = models.TextField("who we meet and their interests", blank=True, max_length=4000)

    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    list_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    walk_away_price = models.DecimalField(
        "walk-away price", max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_discount_pct = models.DecimalField(
        "maximum discount",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    quantity_min = models.PositiveIntegerField("minimum quantity", null=True, blank=True)
    quantity_max = models.PositiveIntegerField("maximum quantity", null=True, blank=True)
    earliest_delivery = models.DateField("earliest delivery we may promise", null=True, blank=True)
    payment_terms = models.CharField("payment terms we may offer", max_length=300, blank=True)
    batna = models.TextField(
        "BATNA", blank=True, max_length=2000, help_text="What we do if there is no deal."
    )

    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(walk_away_price__isnull=True)
                | Q(target_price__isnull=True)
                | Q(walk_away_price__lte=F("target_price")),
                name="briefing_walk_away_not_above_target",
            ),
            models.CheckConstraint(
                condition=Q(target_price__isnull=True)
                | Q(list_price__isnull=True)
                | Q(target_price__lte=F("list_price")),
                name="briefing_target_not_above_list",
            ),
            models.CheckConstraint(
                condition=Q(max_discount_pct__isnull=True)
                | (Q(max_discount_pct__gte=0) & Q(max_discount_pct__lte=100)),
                name="briefing_discount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(quantity_min__isnull=True)
                | Q(quantity_max__isnull=True)
                | Q(quantity_min__lte=F("quantity_max")),
                name="briefing_quantity_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BriefingStatus.values), name="briefing_status_valid"
            ),
        ]
        indexes = [
            # The approval queue looks the submitted briefings up deal by deal, for the teams' deals.
            models.Index(
                fields=["deal"],
                condition=Q(status="submitted"),
                include=["version"],
                name="briefing_submitted_idx",
            ),
        ]

    def __str__(self):
        return f"Briefing v{self.version} for {self.deal}"

    @property
    def is_locked(self) -> bool:
        return self.status == BriefingStatus.SUBMITTED

    is_submitted = choice_is("status", BriefingStatus.SUBMITTED)
    is_approved = choice_is("status", BriefingStatus.APPROVED)
    is_returned = choice_is("status", BriefingStatus.CHANGES_REQUESTED)


class PitchPoint(models.Model):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="pitch_points")
    feature = models.CharField(max_length=200)
    benefit = models.TextField("benefit for this customer", max_length=1000)
    evidence = models.TextField(blank=True, max_length=1000)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.feature


class Objection(models.Model):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="objections")
    objection = models.CharField(max_length=300)
    answer = models.TextField(max_length=2000)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.objection


class Concession(models.Model):
    """One give/get trade of the concession plan."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="concessions")
    give = models.CharField("we give", max_length=300)
    get = models.CharField("we get in return", max_length=300)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return concession(self.give, self.get)


class BriefingVersion(models.Model):
    """A submitted version of a briefing, frozen as it was submitted."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["briefing", "number"], name="briefing_version_unique")]

    def __str__(self):
        return f"v{self.number}"


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Approval(models.Model):
    """A manager's decision on one submitted version.

    ``snapshot`` freezes the limits and pitch points that were approved.
    """

    version = models.OneToOneField(BriefingVersion, on_delete=models.CASCADE, related_name="approval")
    decision = models.CharField(max_length=20, choices=ApprovalDecision.choices)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(blank=True, max_length=2000)
    snapshot = models.JSONField()
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.get_decision_display()} v{self.version.number}"

    is_approved = choice_is("decision", ApprovalDecision.APPROVED)


class ApprovalDelegation(Revised):
    """An away manager's approvals go to another manager of the team for a date range."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="delegations")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="delegation_dates_ordered",
                violation_error_message="The last day must not be before the first day.",
            ),
            models.CheckConstraint(
                condition=~Q(manager=F("delegate")),
                name="delegation_not_to_self",
                violation_error_message="A manager cannot delegate to themselves.",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "delegate", "starts_on", "ends_on"], name="delegation_lookup_idx")
        ]

    def __str__(self):
        return f"{self.manager} → {self.delegate} ({self.starts_on}–{self.ends_on})"
