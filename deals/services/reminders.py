"""The reminder sweep (DESIGN.md, "Reminders").

The database, not the broker, decides what is due: every sweep re-derives
the work from meetings, consultations and reports, so a lost task, a broker
restart or a beat that fired twice changes nothing. Each reminder is claimed
by inserting its ledger row (a batch at a time); the unique key (subject,
window, recipient, meeting start) lets only one of two racing sweeps win, and
the in-app notification (with its e-mail, sent from the notification outbox
with retries) is created in the same transaction as the claim.
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deals.models import (
    DEPARTMENT_ROLES,
    OPEN_DEAL_STATUSES,
    UNSETTLED_CONSULTATION_STATUSES,
    Consultation,
    ConsultationStatus,
    Department,
    Meeting,
    Reminder,
    ReminderKind,
)
from teams.models import Membership, Role, User
from teams.notifications import notification_build, notifications_save

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderSettings:
    windows: tuple[int, ...]  # hours before a meeting, largest first
    escalate_from: int  # escalate to managers from this window on
    report_after: tuple[int, ...]  # hours after a meeting: remind the rep, then tell managers
    report_lookback_days: int

    @classmethod
    def from_settings(cls) -> "ReminderSettings":
        return cls(
            windows=tuple(sorted(set(settings.NEGPREP_REMINDER_WINDOWS_HOURS), reverse=True)),
            escalate_from=settings.NEGPREP_ESCALATION_FROM_HOURS,
            report_after=tuple(sorted(settings.NEGPREP_REPORT_REMINDER_HOURS)),
            report_lookback_days=settings.NEGPREP_REPORT_LOOKBACK_DAYS,
        )


def latest_crossed_window(*, starts_at: datetime, now: datetime, windows) -> int | None:
    """The smallest window whose start has passed, or None; after an outage only this one is sent."""
    if starts_at <= now:
        return None
    crossed = [hours for hours in windows if now >= starts_at - timedelta(hours=hours)]
    return min(crossed) if crossed else None


def latest_crossed_report_window(*, ended_at: datetime, now: datetime, windows) -> int | None:
    crossed = [hours for hours in windows if now >= ended_at + timedelta(hours=hours)]
    return max(crossed) if crossed else None


def _deal_url(deal_id: int) -> str:
    return reverse("deals:detail", args=[deal_id])


@dataclass
class _Due:
    """One reminder the sweep found due: what, to whom, and how to say it."""

    kind: str
    subject: str
    window: int
    meeting: Meeting
    recipient: User
    template: str
    context: dict
    url: str
    consultation: Consultation | None = None

    @property
    def key(self) -> tuple:
        return (self.subject, self.window, self.recipient.pk, self.meeting.starts_at)


# Reminders claimed and notified per transaction: a handful of queries for each batch.
CLAIM_BATCH = 200


def _claim_and_notify(due: list[_Due], *, sent_before: set[tuple]) -> int:
    """Claim each due reminder and create its notification in the same transaction.

    ``sent_before`` holds the ledger keys read at the start of the sweep, so a
    repeat sweep skips them without an insert. For the rest, one insert per
    batch that ignores conflicts claims them: the unique key lets only one of
    two racing sweeps insert a row, and the rows stamped with this sweep's id
    are the ones it won. Returns how many reminders this sweep sent.
    """
    # One order for every sweep: racing inserts then wait on each other's rows
    # in the same sequence and cannot deadlock.
    # A deactivated user is not reminded at all, so nothing is claimed for them either.
    fresh = sorted(
        {item.key: item for item in due if item.key not in sent_before and item.recipient.is_active}.values(),
        key=lambda item: item.key,
    )
    sent = 0
    for start in range(0, len(fresh), CLAIM_BATCH):
        batch = fresh[start : start + CLAIM_BATCH]
        claim = uuid.uuid4()
        with transaction.atomic():
            Reminder.objects.bulk_create(
                [
                    Reminder(
                        kind=item.kind,
                        subject=item.subject,
                        window_hours=item.window,
                        meeting=item.meeting,
                        meeting_starts_at=item.meeting.starts_at,
                        consultation=item.consultation,
                        recipient=item.recipient,
                        claimed_by=claim,
                    )
                    for item in batch
                ],
                ignore_conflicts=True,
            )
            won = {
                (subject, window, recipient_id, starts_at): pk
                for pk, subject, window, recipient_id, starts_at in Reminder.objects.filter(
                    meeting_id__in={item.meeting.pk for item in batch}, claimed_by=claim
                ).values_list("pk", "subject", "window_hours", "recipient_id", "meeting_starts_at")
            }
            ours = [item for item in batch if item.key in won]
            notifications = notifications_save(
                [
                    notification_build(
                        recipient=item.recipient,
                        kind=item.template,
                        context={**item.context, "window_hours": item.window},
                        url=item.url,
                        team=item.meeting.deal.team,
                        topic=item.meeting.deal.title,
                        email=item.recipient.email_reminders,
                    )
                    for item in ours
                ]
            )
            Reminder.objects.bulk_update(
                [
                    Reminder(pk=won[item.key], notification=notification)
                    for item, notification in zip(ours, notifications, strict=True)
                ],
                ["notification"],
            )
        sent += len(ours)
    return sent


def _members_by_team_role(team_ids) -> dict[tuple[int, str], list[User]]:
    members = defaultdict(list)
    for membership in Membership.objects.filter(team_id__in=team_ids, user__is_active=True).select_related(
        "user"
    ):
        members[(membership.team_id, membership.role)].append(membership.user)
    return members


def _consultation_recipients(consultation: Consultation, deal, members) -> list[User]:
    """Who owes the answer besides the rep: nobody while the rep has not sent the questions."""
    if consultation.status == ConsultationStatus.OPEN:
        return []
    if consultation.assignee_id and consultation.assignee.is_active:
        return [consultation.assignee]
    role = DEPARTMENT_ROLES[Department(consultation.department)]
    return [user for user in members[(deal.team_id, role)] if user.pk != deal.owner_id]


def _next_meetings_due(*, now, config) -> dict[int, tuple[int, datetime]]:
    """Each deal's next meeting starting within the largest window: {deal id: (meeting id, start)}.

    One range scan of the partial index on upcoming meetings; the deals are
    looked at only once they turn out to owe something.
    """
    horizon = now + timedelta(hours=config.windows[0])
    rows = (
        Meeting.objects.filter(cancelled=False, starts_at__gt=now, starts_at__lte=horizon)
        .order_by("starts_at")
        .values_list("pk", "deal_id", "starts_at")
    )
    first: dict[int, tuple[int, datetime]] = {}
    for meeting_id, deal_id, starts_at in rows:
        first.setdefault(deal_id, (meeting_id, starts_at))
    return first


def _already_sent(meeting_ids) -> set[tuple]:
    """Ledger keys already claimed for these meetings, so a repeat sweep skips them without an insert."""
    return set(
        Reminder.objects.filter(meeting_id__in=meeting_ids).values_list(
            "subject", "window_hours", "recipient_id", "meeting_starts_at"
        )
    )


def _consultation_reminders(*, now, config) -> int:
    next_meetings = _next_meetings_due(now=now, config=config)
    if not next_meetings:
        return 0
    unsettled = defaultdict(list)
    for consultation in Consultation.objects.filter(
        deal_id__in=next_meetings, required=True, status__in=UNSETTLED_CONSULTATION_STATUSES
    ).select_related("assignee"):
        unsettled[consultation.deal_id].append(consultation)
    if not unsettled:
        return 0
    meetings = {
        meeting.deal_id: meeting
        for meeting in Meeting.objects.filter(
            pk__in=[next_meetings[deal_id][0] for deal_id in unsettled],
            deal__status__in=OPEN_DEAL_STATUSES,
        ).select_related("deal", "deal__owner", "deal__team", "deal__customer")
    }
    members = _members_by_team_role({meeting.deal.team_id for meeting in meetings.values()})
    sent_before = _already_sent([meeting.pk for meeting in meetings.values()])

    due: list[_Due] = []
    for deal_id, meeting in meetings.items():
        consultations = unsettled[deal_id]
        deal = meeting.deal
        window = latest_crossed_window(starts_at=meeting.starts_at, now=now, windows=config.windows)
        if window is None:
            continue
        missing = sorted({c.get_department_display() for c in consultations})
        for consultation in consultations:
            recipients = {deal.owner_id: deal.owner}
            for user in _consultation_recipients(consultation, deal, members):
                recipients[user.pk] = user
            subject = f"consultation:{consultation.pk}"
            for recipient in recipients.values():
                due.append(
                    _Due(
                        kind=ReminderKind.CONSULTATION,
                        subject=subject,
                        window=window,
                        meeting=meeting,
                        recipient=recipient,
                        consultation=consultation,
                        template="reminder_consultation",
                        context={
                            "deal": deal,
                            "meeting": meeting,
                            "consultation": consultation,
                            "is_rep": recipient.pk == deal.owner_id,
                            "due": consultation.due_at or meeting.starts_at,
                        },
                        url=(
                            _deal_url(deal.pk)
                            if recipient.pk == deal.owner_id
                            else reverse("deals:consultation_answer", args=[consultation.pk])
                        ),
                    )
                )
        if window <= config.escalate_from:
            subject = f"meeting:{meeting.pk}"
            for manager in members[(deal.team_id, Role.MANAGER)]:
                if manager.pk == deal.owner_id:
                    continue
                due.append(
                    _Due(
                        kind=ReminderKind.ESCALATION,
                        subject=subject,
                        window=window,
                        meeting=meeting,
                        recipient=manager,
                        template="reminder_escalation",
                        context={
                            "deal": deal,
                            "meeting": meeting,
                            "missing": missing,
                            "due": meeting.starts_at,
                        },
                        url=_deal_url(deal.pk),
                    )
                )
    return _claim_and_notify(due, sent_before=sent_before)


def _report_reminders(*, now, config) -> int:
    if not config.report_after:
        return 0
    first_window = timedelta(hours=config.report_after[0])
    lookback = now - timedelta(days=config.report_lookback_days)
    meetings = list(
        Meeting.objects.filter(
            cancelled=False,
            starts_at__gt=lookback - timedelta(days=1),
            ends_at__gt=lookback,
            ends_at__lte=now - first_window,
            report__isnull=True,
            deal__status__in=OPEN_DEAL_STATUSES,
        )
        .select_related("deal", "deal__owner", "deal__team", "deal__customer")
        .order_by("ends_at")
    )
    if not meetings:
        return 0
    members = _members_by_team_role({meeting.deal.team_id for meeting in meetings})
    sent_before = _already_sent([meeting.pk for meeting in meetings])
    escalate_at = config.report_after[-1]
    due: list[_Due] = []
    for meeting in meetings:
        deal = meeting.deal
        window = latest_crossed_report_window(ended_at=meeting.ends_at, now=now, windows=config.report_after)
        if window is None:
            continue
        context = {"deal": deal, "meeting": meeting, "hours": window}
        url = _report_url(meeting)
        subject = f"report:{meeting.pk}"
        recipients = [(ReminderKind.REPORT, deal.owner, "reminder_report", url)]
        if window >= escalate_at and len(config.report_after) > 1:
            recipients += [
                (ReminderKind.REPORT_ESCALATION, manager, "reminder_report_escalation", _deal_url(deal.pk))
                for manager in members[(deal.team_id, Role.MANAGER)]
                if manager.pk != deal.owner_id
            ]
        due += [
            _Due(
                kind=kind,
                subject=subject,
                window=window,
                meeting=meeting,
                recipient=recipient,
                template=template,
                context=context,
                url=link,
            )
            for kind, recipient, template, link in recipients
        ]
    return _claim_and_notify(due, sent_before=sent_before)


def _report_url(meeting) -> str:
    return reverse("deals:report_file", args=[meeting.pk])


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Send every reminder that is due now and not sent yet; returns how many were sent."""
    now = now or timezone.now()
    config = ReminderSettings.from_settings()
    sent = _consultation_reminders(now=now, config=config) + _report_reminders(now=now, config=config)
    if sent:
        logger.info("Reminder sweep sent %s reminders", sent)
    return sent
