from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from deals.formatting import concession
from teams.models import Team


def field_label(model, name: str) -> str:
    """A field's verbose name as a label: first letter up, the rest as written ("BATNA" stays)."""
    verbose = str(model._meta.get_field(name).verbose_name)
    return verbose[:1].upper() + verbose[1:]


def choice_is(field: str, value: models.TextChoices) -> property:
    """A read-only property: whether ``field`` holds ``value``.

    Templates ask these (``briefing.is_approved``) instead of comparing raw
    strings, which an enum rename would silently break.
    """
    return property(lambda self: getattr(self, field) == value, doc=f"Whether {field} is {value.value!r}.")


class Currency(models.TextChoices):
    EUR = "EUR", "EUR — Euro"
    USD = "USD", "USD — US dollar"
    GBP = "GBP", "GBP — Pound sterling"
    CHF = "CHF", "CHF — Swiss franc"
    SEK = "SEK", "SEK — Swedish krona"
    PLN = "PLN", "PLN — Polish złoty"
    JPY = "JPY", "JPY — Japanese yen"
    CNY = "CNY", "CNY — Chinese yuan"


class Customer(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=160)
    industry = models.CharField(max_length=120, blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="customer_unique_name_per_team")]

    def __str__(self):
        return self.name


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    TECHNICAL_EVALUATOR = "technical_evaluator", "Technical evaluator"
    USER = "user", "User"
    INFLUENCER = "influencer", "Influencer"


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=120, blank=True)
    buying_role = models.CharField(max_length=24, choices=BuyingRole.choices)
    cares_about = models.TextField(
        blank=True, max_length=2000, help_text="What this person cares about in this deal."
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.get_buying_role_display()})"


class DealStatus(models.TextChoices):
    PREPARING = "preparing", "Preparing"
    READY = "ready", "Ready"
    NEGOTIATING = "negotiating", "Negotiating"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_DEAL_STATUSES = [DealStatus.PREPARING, DealStatus.READY, DealStatus.NEGOTIATING]


class Deal(models.Model):
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DealStatus.values), name="deal_status_valid"),
            models.CheckConstraint(condition=Q(estimated_value__gte=0), name="deal_value_not_negative"),
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


class MeetingStage(models.TextChoices):
    EXPLORATORY = "exploratory", "Exploratory"
    NEGOTIATION = "negotiation", "Negotiation"
    FINAL = "final", "Final"


# A meeting lasts a week at most (``validate_meeting_times`` refuses a longer one).
MEETING_LONGEST = timedelta(days=7)


class MeetingQuerySet(models.QuerySet):
    """Meetings, with the one rule for what a deal's next meeting is."""

    def upcoming(self, *, now=None) -> "MeetingQuerySet":
        """The meetings a deal still prepares for, soonest first: not cancelled and not ended yet.

        A deal's next meeting is the first of these. A meeting under way stays the deal's next
        meeting until it ends: its readiness, its brief and the report after it are about it, so
        the checklist, the deal list, the reminders and every "needed by" aim at it, not at the
        meeting after it. What is needed by its start and still missing while it runs is late.
        """
        now = now or timezone.now()
        # One that has not ended started less than MEETING_LONGEST ago: the bound makes every use
        # a range of the start indexes instead of a walk through the deals' past meetings.
        return self.filter(cancelled=False, ends_at__gt=now, starts_at__gt=now - MEETING_LONGEST).order_by(
            "starts_at", "pk"
        )

    def next_of_each_deal(self, *, now=None) -> "MeetingQuerySet":
        """Only those of these meetings that are their deal's next meeting (at most one per deal).

        Each is compared with its deal's first upcoming meeting, one index probe per meeting: narrow
        the meetings first (e.g. to a range of starts) and the cost follows that range.
        """
        first = self.model.objects.upcoming(now=now).filter(deal=OuterRef("deal")).values("pk")[:1]
        return self.filter(pk=Subquery(first))

    def next_for_deal(self, deal, *, now=None) -> "Meeting | None":
        """The deal's next meeting, or None."""
        return self.upcoming(now=now).filter(deal=deal).first()

    def next_for_deals(self, deal_ids, *, now=None) -> dict[int, "Meeting"]:
        """Each of these deals' next meeting by deal id, in one query; deals without one are left out."""
        next_meeting: dict[int, Meeting] = {}
        for meeting in (
            self.upcoming(now=now).filter(deal_id__in=deal_ids).order_by("deal_id", "starts_at", "pk")
        ):
            next_meeting.setdefault(meeting.deal_id, meeting)
        return next_meeting


class Meeting(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    stage = models.CharField(max_length=16, choices=MeetingStage.choices, default=MeetingStage.EXPLORATORY)
    contacts = models.ManyToManyField(Contact, blank=True, related_name="meetings")
    co_negotiators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="co_negotiated_meetings"
    )
    cancelled = models.BooleanField(default=False)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start")
        ]
        indexes = [
            models.Index(fields=["starts_at"], condition=Q(cancelled=False), name="meeting_upcoming_idx"),
            models.Index(fields=["deal", "starts_at"], name="meeting_deal_start_idx"),
            # The report reminders read the meetings that ended within the look-back.
            models.Index(
                fields=["ends_at"],
                condition=Q(cancelled=False),
                include=["starts_at", "deal"],
                name="meeting_ended_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} meeting on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def needs_co_negotiator(self) -> bool:
        """Only the final round needs a colleague at the rep's side (readiness counts it)."""
        return self.stage == MeetingStage.FINAL


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


class ApprovalDelegation(models.Model):
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


class Department(models.TextChoices):
    BOSS = "boss", "Boss"
    PRODUCTION = "production", "Production"
    SUPPLY_CHAIN = "supply_chain", "Supply chain"
    FINANCE = "finance", "Finance"


# Which team role answers each department's consultations.
DEPARTMENT_ROLES = {
    Department.BOSS: "manager",
    Department.PRODUCTION: "production",
    Department.SUPPLY_CHAIN: "supply_chain",
    Department.FINANCE: "finance",
}


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


class Consultation(models.Model):
    """A question to a department about a deal, and its answer.

    ``required`` consultations are derived from the deal (see
    ``deals.services.consultations.consultations_derive``); the rep may add
    optional ones. An assignee of ``None`` means the department's queue.
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
    # the boss gives guidelines and finance guidance in ``answer``.
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
    asks_the_boss = choice_is("department", Department.BOSS)
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


class FinancePolicy(models.Model):
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


class PaymentTermRequest(models.Model):
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


class OnCallStatus(models.TextChoices):
    REQUESTED = "requested", "Asked"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class OnCall(models.Model):
    """A colleague reachable by phone during a meeting, for a topic."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="on_calls")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_calls")
    topic = models.CharField(max_length=120)
    phone = models.CharField(max_length=32)
    available_from = models.DateTimeField()
    available_to = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OnCallStatus.choices, default=OnCallStatus.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["available_from"]
        verbose_name = "on-call cover"
        verbose_name_plural = "on-call cover"
        constraints = [
            models.CheckConstraint(
                condition=Q(available_to__gt=F("available_from")), name="on_call_window_ordered"
            ),
            models.CheckConstraint(condition=Q(status__in=OnCallStatus.values), name="on_call_status_valid"),
        ]
        indexes = [models.Index(fields=["member", "available_from"], name="on_call_member_idx")]

    def __str__(self):
        return f"{self.member} on call for {self.topic}"

    def covers(self, meeting: Meeting) -> bool:
        return self.available_from <= meeting.starts_at and self.available_to >= meeting.ends_at

    @property
    def covers_meeting(self) -> bool:
        """The window still spans its meeting (false once the meeting moved out of it)."""
        return self.covers(self.meeting)

    is_requested = choice_is("status", OnCallStatus.REQUESTED)
    is_accepted = choice_is("status", OnCallStatus.ACCEPTED)
    is_declined = choice_is("status", OnCallStatus.DECLINED)


class CoNegotiatorStatus(models.TextChoices):
    REQUESTED = "requested", "Asked"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class CoNegotiatorRequest(models.Model):
    """A colleague asked to come along to a meeting; on acceptance they join ``Meeting.co_negotiators``."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="co_negotiator_requests")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="co_negotiator_requests"
    )
    status = models.CharField(
        max_length=10, choices=CoNegotiatorStatus.choices, default=CoNegotiatorStatus.REQUESTED
    )
    note = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "co-negotiator request"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="co_negotiator_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(status__in=CoNegotiatorStatus.values), name="co_negotiator_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.member} asked to come along to {self.meeting}"

    is_requested = choice_is("status", CoNegotiatorStatus.REQUESTED)
    is_accepted = choice_is("status", CoNegotiatorStatus.ACCEPTED)
    is_declined = choice_is("status", CoNegotiatorStatus.DECLINED)


class ReportOutcome(models.TextChoices):
    WON = "won", "Won"
    LOST = "lost", "Lost"
    CONTINUE = "continue", "Continue negotiating"
    NO_DECISION = "no_decision", "No decision"


class NegotiationReport(models.Model):
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
        default=False, help_text="Whether the deal was ready (7 of 7) when the meeting started."
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


class ReminderKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation missing"
    ESCALATION = "escalation", "Escalation to the manager"
    REPORT = "report", "Report missing"
    REPORT_ESCALATION = "report_escalation", "Report missing: manager told"


class ReminderStatus(models.TextChoices):
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped (stale window)"


class Reminder(models.Model):
    """The ledger of reminders: one row per (subject, window, recipient, meeting time).

    The unique constraint is the claim: two sweeps racing for the same
    reminder insert the same key, and only one insert succeeds. Including the
    meeting's start in the key re-arms the windows when a meeting moves.
    """

    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    subject = models.CharField(max_length=64, help_text="What is reminded about, e.g. consultation:12.")
    window_hours = models.IntegerField(help_text="Hours before (or, for reports, after) the meeting.")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    meeting_starts_at = models.DateTimeField()
    consultation = models.ForeignKey(
        "Consultation", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.SENT)
    notification = models.ForeignKey(
        "teams.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_by = models.UUIDField(
        null=True, blank=True, editable=False, help_text="The sweep whose insert won this row."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "window_hours", "recipient", "meeting_starts_at"],
                name="reminder_once_per_subject_window_recipient",
            ),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["meeting", "kind"], name="reminder_meeting_kind_idx"),
            # Pruning finds the rows of meetings the sweep never looks at again.
            models.Index(fields=["meeting_starts_at"], name="reminder_meeting_start_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.window_hours} h) to {self.recipient}"
