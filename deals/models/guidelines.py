"""The boss's guidelines: the rep's questions and the manager's answer, on the briefing's thread.

The boss's part of a deal is one conversation on the briefing: guidelines (asked
for and given here, before or after the limits exist) and the approval of the
limits and pitch points (``Approval``). An approved current version is what
"the boss was consulted" means; the guidelines stay on record beside it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from deals.models.briefings import Briefing
from deals.models.common import choice_is


class GuidelineStatus(models.TextChoices):
    ASKED = "asked", "Asked"
    GIVEN = "given", "Given"
    # Only on record from before guidelines joined the briefing: a manager decided none were needed.
    WAIVED = "waived", "Waived"


class Guideline(models.Model):
    """One exchange of the boss's thread: what the rep asked (if anything) and the guidelines given.

    ``version`` is the briefing version being worked on when it was asked (or given).
    ``revision`` increases with every change, so that a stale edit of the question is refused.
    """

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="guidelines")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=8, choices=GuidelineStatus.choices, default=GuidelineStatus.ASKED)
    questions = models.TextField(blank=True, max_length=4000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField(null=True, blank=True)
    # A manager the rep named; none: any manager of the team but the rep.
    asked_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)

    guidelines = models.TextField(blank=True, max_length=6000)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    given_at = models.DateTimeField(null=True, blank=True)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    waive_reason = models.TextField(blank=True, max_length=2000)

    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One open question at a time: asking again changes it.
            models.UniqueConstraint(
                fields=["briefing"], condition=Q(status="asked"), name="guideline_one_asked_per_briefing"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GuidelineStatus.values), name="guideline_status_valid"
            ),
        ]

    def __str__(self):
        return f"Guidelines on {self.briefing.deal}"

    is_asked = choice_is("status", GuidelineStatus.ASKED)
    is_given = choice_is("status", GuidelineStatus.GIVEN)
    is_waived = choice_is("status", GuidelineStatus.WAIVED)

    @property
    def is_overdue(self) -> bool:
        return self.is_asked and self.due_at is not None and self.due_at < timezone.now()
