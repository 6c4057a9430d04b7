"""What each reminder the sweep found due says, to whom, and where it links
(``deals.selectors.reminders`` finds the keys; ``deals.services.reminders`` sends them).

Escalations list what the deal still misses with the readiness checklist itself
(``deals.selectors.readiness``), so the e-mail says what the deal page says.
"""

from dataclasses import dataclass

from django.urls import reverse

from deals.domain.reminders import latest_crossed_report_window, latest_crossed_window
from deals.models import Briefing, Consultation, Deal, Meeting, PaymentTermRequest, ReminderKind
from deals.selectors.readiness import readiness_for_deals
from teams.models import User


@dataclass
class DueReminder:
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
    # Claimed in the ledger without a message: the deal turned out ready, so there is nothing to escalate.
    skipped: bool = False

    @property
    def key(self) -> tuple:
        return (self.subject, self.window, self.recipient.pk, self.meeting.starts_at)


def _deal_url(deal_id: int, anchor: str = "") -> str:
    return reverse("deals:detail", args=[deal_id]) + anchor


def report_reminder_url(meeting) -> str:
    return reverse("deals:report_file", args=[meeting.pk])


# What a reminder is about, by kind: the model its key's object id names.
_SUBJECTS = {
    ReminderKind.CONSULTATION: Consultation.objects.select_related("assignee"),
    ReminderKind.PAYMENT_TERMS: PaymentTermRequest.objects.all(),
    ReminderKind.BRIEFING: Briefing.objects.all(),
}


def due_items(keys: list[tuple], *, now, config) -> list[DueReminder]:
    """The reminders behind the keys (kind, meeting id, object id, recipient id, window) the
    database found due, with what their messages say."""
    if not keys:
        return []
    # Meetings, then their deals by primary key (a join would let the planner hash all deals).
    meetings = Meeting.objects.in_bulk({key[1] for key in keys})
    deals = Deal.objects.select_related("owner", "team", "customer").in_bulk(
        {meeting.deal_id for meeting in meetings.values()}
    )
    for meeting in meetings.values():
        meeting.deal = deals[meeting.deal_id]
    subjects = {
        kind: rows.in_bulk({key[2] for key in keys if key[0] == kind})
        for kind, rows in _SUBJECTS.items()
        if any(key[0] == kind for key in keys)
    }
    recipients = User.objects.in_bulk({key[3] for key in keys})
    escalated = {
        meetings[key[1]].deal_id for key in keys if key[0] == ReminderKind.ESCALATION and key[1] in meetings
    }
    readiness = readiness_for_deals([deals[pk] for pk in escalated]) if escalated else {}
    due = []
    for kind, meeting_id, object_id, recipient_id, window in keys:
        meeting = meetings.get(meeting_id)
        recipient = recipients.get(recipient_id)
        subject = subjects.get(kind, {}).get(object_id)
        if meeting is None or recipient is None or (object_id is not None and subject is None):
            continue  # deleted since: nothing to remind of
        deal = meeting.deal
        if kind in (ReminderKind.REPORT, ReminderKind.REPORT_ESCALATION):
            current = latest_crossed_report_window(
                ended_at=meeting.ends_at, now=now, windows=config.report_after
            )
        else:
            current = latest_crossed_window(starts_at=meeting.starts_at, now=now, windows=config.windows)
        if current != window:
            continue  # the meeting moved since: the next sweep sees it as it is now
        due.append(_due_item(kind, meeting, deal, recipient, window, subject, readiness.get(deal.pk)))
    return due


def _owed(kind, meeting, deal, recipient, window, subject) -> DueReminder:
    """A reminder of what the deal owes before the meeting: a consultation, payment terms or the
    briefing's approval; the rep's copy links to the deal, the others' to where they answer."""
    is_rep = recipient.pk == deal.owner_id
    context = {"deal": deal, "meeting": meeting, "is_rep": is_rep, "due": meeting.starts_at}
    if kind == ReminderKind.CONSULTATION:
        context.update(consultation=subject, due=subject.due_at or meeting.starts_at)
        url = reverse("deals:consultation_answer", args=[subject.pk])
        rep_url = _deal_url(deal.pk)
        prefix = "consultation"
    elif kind == ReminderKind.PAYMENT_TERMS:
        context.update(request=subject)
        url = reverse("deals:payment_request", args=[subject.pk])
        rep_url = _deal_url(deal.pk, "#payment-terms")
        prefix = "payment"
    else:
        context.update(briefing=subject)
        url = (
            reverse("deals:guidelines_give", args=[deal.pk])
            if not subject.is_submitted
            else _deal_url(deal.pk)
        )
        rep_url = _deal_url(deal.pk, "#briefing-panel")
        prefix = "briefing"
    return DueReminder(
        kind=kind,
        subject=f"{prefix}:{subject.pk}",
        window=window,
        meeting=meeting,
        recipient=recipient,
        consultation=subject if kind == ReminderKind.CONSULTATION else None,
        template=f"reminder_{kind}",
        context=context,
        url=rep_url if is_rep else url,
    )


def _due_item(kind, meeting, deal, recipient, window, subject, readiness) -> DueReminder:
    if kind in _SUBJECTS:
        return _owed(kind, meeting, deal, recipient, window, subject)
    if kind == ReminderKind.ESCALATION:
        # What the deal owes may still leave it ready (a returned version whose limits and pitch are
        # those approved before): then the escalation is claimed, so it is not found again, and not sent.
        return DueReminder(
            kind=kind,
            subject=f"meeting:{meeting.pk}",
            window=window,
            meeting=meeting,
            recipient=recipient,
            template="reminder_escalation",
            context={
                "deal": deal,
                "meeting": meeting,
                "readiness": readiness,
                "missing": readiness.missing_short,
                "due": meeting.starts_at,
            },
            url=_deal_url(deal.pk),
            skipped=readiness.is_ready,
        )
    escalation = kind == ReminderKind.REPORT_ESCALATION
    return DueReminder(
        kind=kind,
        subject=f"report:{meeting.pk}",
        window=window,
        meeting=meeting,
        recipient=recipient,
        template="reminder_report_escalation" if escalation else "reminder_report",
        context={"deal": deal, "meeting": meeting, "hours": window},
        url=_deal_url(deal.pk) if escalation else report_reminder_url(meeting),
    )
