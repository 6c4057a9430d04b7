"""Meetings, with the one rule for a deal's next meeting, and their cover: on call and coming along."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from deals.models.common import Revised, choice_is
from deals.models.deals import Contact, Deal


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


class Meeting(Revised):
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


class OnCallStatus(models.TextChoices):
    REQUESTED = "requested", "Asked"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class OnCall(Revised):
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


class CoNegotiatorRequest(Revised):
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
