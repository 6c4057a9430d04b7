"""The ledger of reminders sent, one row per reminder and recipient."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from deals.models.meetings import Meeting


class ReminderKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation missing"
    PAYMENT_TERMS = "payment_terms", "Payment terms waiting for finance"
    BRIEFING = "briefing", "Briefing not approved"
    ESCALATION = "escalation", "Escalation to the manager"
    REPORT = "report", "Report missing"
    REPORT_ESCALATION = "report_escalation", "Report missing: manager told"


class ReminderStatus(models.TextChoices):
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped (nothing left to remind of)"


class Reminder(models.Model):
    """The ledger of reminders: one row per (subject, window, recipient, meeting time).

    The unique constraint is the claim: two sweeps racing for the same
    reminder insert the same key, and only one insert succeeds. Including the
    meeting's start in the key re-arms the windows when a meeting moves.
    """

    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    subject = models.CharField(
        max_length=64, help_text="What is reminded about, e.g. consultation:12, payment:3 or briefing:7."
    )
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
