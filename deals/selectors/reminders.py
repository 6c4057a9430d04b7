"""What the reminder sweep has to send now, read from the database (DESIGN.md, "Reminders").

Who is due is decided in SQL (portable between PostgreSQL and SQLite) and
only keys missing from the ledger come back, so the cost of a tick follows
what is new, not how many reminders are already out; the messages are built
in Python for those keys only. Claiming and sending them is
``deals.services.reminders``.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F
from django.urls import reverse

from deals.domain.reminders import (
    ReminderSettings,
    latest_crossed_report_window,
    latest_crossed_window,
    reconsider_after,
)
from deals.models import (
    DEPARTMENT_ROLES,
    OPEN_DEAL_STATUSES,
    UNSETTLED_CONSULTATION_STATUSES,
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    Meeting,
    NegotiationReport,
    Reminder,
    ReminderKind,
)
from teams.models import Membership, Role, User


def _deal_url(deal_id: int) -> str:
    return reverse("deals:detail", args=[deal_id])


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

    @property
    def key(self) -> tuple:
        return (self.subject, self.window, self.recipient.pk, self.meeting.starts_at)


def _tables() -> dict[str, str]:
    return {
        "meeting": Meeting._meta.db_table,
        "deal": Deal._meta.db_table,
        "consultation": Consultation._meta.db_table,
        "report": NegotiationReport._meta.db_table,
        "membership": Membership._meta.db_table,
        "user": User._meta.db_table,
        "ledger": Reminder._meta.db_table,
    }


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _window_case(column: str, bounds: list[tuple[datetime, int]]) -> tuple[str, list]:
    """``CASE WHEN column <= bound THEN hours ...`` for the bounds in the order given."""
    adapt = connection.ops.adapt_datetimefield_value
    sql = " ".join(f"WHEN {column} <= %s THEN {int(hours)}" for _, hours in bounds)
    return f"CASE {sql} END", [adapt(bound) for bound, _ in bounds]


# Only the keys not in the ledger leave the database: a sweep with nothing
# new to send reads no rows, however many reminders are already out. The
# ledger is read only for meetings after ``since`` (all that can be due),
# and on PostgreSQL one index probe per key (``OFFSET 0`` keeps the planner
# from hashing the whole ledger instead).
_NOT_SENT = """
SELECT due.kind, due.meeting_id, due.consultation_id, due.recipient_id, due.window_hours
FROM due
WHERE NOT EXISTS (
    SELECT 1 FROM {ledger} sent
    WHERE sent.subject = due.subject AND sent.window_hours = due.window_hours
      AND sent.recipient_id = due.recipient_id AND sent.meeting_starts_at = due.starts_at
      AND sent.meeting_starts_at > %s
    {per_row}
)
"""

# The deals' next meetings within the largest window (``_window_meetings``:
# a range of the partial index on upcoming meetings); then the required
# unsettled consultations of their deals (a small partial index); the deals
# are read only for meetings that owe something.
_CONSULTATIONS_DUE = """
WITH window_meeting AS (
    {window_meetings}
),
unsettled AS (
    SELECT w.meeting_id, w.starts_at, d.team_id, d.owner_id, {window} AS window_hours,
           c.id AS consultation_id, c.status, c.department, c.assignee_id,
           'consultation:' || CAST(c.id AS TEXT) AS subject
    FROM window_meeting w
    JOIN {consultation} c ON c.deal_id = w.deal_id
    JOIN {deal} d ON d.id = w.deal_id
    WHERE c.required = %s AND c.status IN ({unsettled}) AND d.status IN ({open_deals})
),
owing AS (
    SELECT DISTINCT meeting_id, starts_at, team_id, owner_id, window_hours FROM unsettled
),
due AS (
    SELECT 'consultation' AS kind, u.meeting_id, u.consultation_id, u.owner_id AS recipient_id,
           u.window_hours, u.starts_at, u.subject
    FROM unsettled u JOIN {user} rep ON rep.id = u.owner_id
    WHERE rep.is_active = %s
    UNION ALL
    SELECT 'consultation', u.meeting_id, u.consultation_id, u.assignee_id,
           u.window_hours, u.starts_at, u.subject
    FROM unsettled u JOIN {user} assignee ON assignee.id = u.assignee_id
    WHERE u.status <> %s AND assignee.is_active = %s
    UNION ALL
    SELECT 'consultation', u.meeting_id, u.consultation_id, ms.user_id, u.window_hours, u.starts_at, u.subject
    FROM unsettled u
    JOIN {membership} ms ON ms.team_id = u.team_id AND ms.role = {department_role}
    JOIN {user} member ON member.id = ms.user_id
    LEFT JOIN {user} assignee ON assignee.id = u.assignee_id
    WHERE u.status <> %s AND member.is_active = %s AND ms.user_id <> u.owner_id
      AND (assignee.id IS NULL OR assignee.is_active = %s)
    UNION ALL
    SELECT 'escalation', o.meeting_id, NULL, ms.user_id, o.window_hours, o.starts_at,
           'meeting:' || CAST(o.meeting_id AS TEXT)
    FROM owing o
    JOIN {membership} ms ON ms.team_id = o.team_id AND ms.role = %s
    JOIN {user} manager ON manager.id = ms.user_id
    WHERE o.window_hours <= %s AND manager.is_active = %s AND ms.user_id <> o.owner_id
)
"""

# Meetings that ended within the look-back (an index-only range of the
# partial index on their end) and have no report; only then their deals,
# one primary-key probe each.
_REPORTS_DUE = """
WITH unreported AS MATERIALIZED (
    SELECT m.id AS meeting_id, m.deal_id, m.starts_at, {window} AS window_hours
    FROM {meeting} m
    WHERE m.cancelled = %s AND m.starts_at > %s AND m.ends_at > %s AND m.ends_at <= %s
      AND NOT EXISTS (SELECT 1 FROM {report} r WHERE r.meeting_id = m.id{per_row})
),
past AS (
    SELECT * FROM (
        SELECT u.meeting_id, u.starts_at, u.window_hours,
               (SELECT d.team_id FROM {deal} d WHERE d.id = u.deal_id AND d.status IN ({open_deals}))
                   AS team_id,
               (SELECT d.owner_id FROM {deal} d WHERE d.id = u.deal_id) AS owner_id
        FROM unreported u
    ) AS of_open_deal
    WHERE team_id IS NOT NULL
),
due AS (
    SELECT 'report' AS kind, p.meeting_id, NULL AS consultation_id, p.owner_id AS recipient_id,
           p.window_hours, p.starts_at, 'report:' || CAST(p.meeting_id AS TEXT) AS subject
    FROM past p JOIN {user} rep ON rep.id = p.owner_id
    WHERE rep.is_active = %s
    UNION ALL
    SELECT 'report_escalation', p.meeting_id, NULL, ms.user_id, p.window_hours, p.starts_at,
           'report:' || CAST(p.meeting_id AS TEXT)
    FROM past p
    JOIN {membership} ms ON ms.team_id = p.team_id AND ms.role = %s
    JOIN {user} manager ON manager.id = ms.user_id
    WHERE p.window_hours >= %s AND manager.is_active = %s AND ms.user_id <> p.owner_id
)
"""


def _per_row() -> str:
    return " OFFSET 0" if connection.vendor == "postgresql" else ""


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _window_meetings(*, now, config) -> tuple[str, tuple]:
    """The SQL of the meetings that are their deal's next meeting (``MeetingQuerySet.upcoming``)
    and start within the largest window: a deal whose meeting is under way is not reminded of the
    one after it until that meeting ends."""
    meetings = (
        Meeting.objects.filter(
            cancelled=False, starts_at__gt=now, starts_at__lte=now + timedelta(hours=config.windows[0])
        )
        .next_of_each_deal(now=now)
        .order_by()
        .values("deal_id", "starts_at", meeting_id=F("pk"))
    )
    return meetings.query.sql_with_params()


def _consultation_keys_due(*, now, config) -> list[tuple]:
    """(kind, meeting id, consultation id, recipient id, window) of each consultation reminder
    and escalation due now and not in the ledger yet.

    Who is reminded: the rep, and, once the questions are sent, the named
    assignee (or, without an active one, every active member of that
    department in the team but the rep); from ``escalate_from`` on, every
    active manager of the team but the rep. Only each deal's next meeting
    within the largest window counts, and only its latest crossed window.
    """
    adapt = connection.ops.adapt_datetimefield_value
    window, window_params = _window_case(
        "w.starts_at", [(now + timedelta(hours=hours), hours) for hours in sorted(config.windows)]
    )
    roles = list(DEPARTMENT_ROLES.items())
    department_role = "CASE u.department " + " ".join("WHEN %s THEN %s" for _ in roles) + " END"
    window_meetings, window_meetings_params = _window_meetings(now=now, config=config)
    sql = _CONSULTATIONS_DUE.format(
        window_meetings=window_meetings,
        window=window,
        open_deals=_placeholders(OPEN_DEAL_STATUSES),
        unsettled=_placeholders(UNSETTLED_CONSULTATION_STATUSES),
        department_role=department_role,
        **_tables(),
    ) + _NOT_SENT.format(per_row=_per_row(), **_tables())
    params = [
        *window_meetings_params,
        *window_params,
        True,
        *UNSETTLED_CONSULTATION_STATUSES,
        *OPEN_DEAL_STATUSES,
        True,
        ConsultationStatus.OPEN,
        True,
        *[value for pair in roles for value in pair],
        ConsultationStatus.OPEN,
        True,
        False,
        Role.MANAGER,
        config.escalate_from,
        True,
        adapt(now),
    ]
    return _fetch(sql, params)


def _report_keys_due(*, now, config) -> list[tuple]:
    """(kind, meeting id, None, recipient id, window) of each report reminder due and not sent.

    A meeting without a report reminds its (active) rep at each window after
    its end, only the latest crossed one; from the last window on (when there
    are several) the team's active managers but the rep are told too.
    """
    adapt = connection.ops.adapt_datetimefield_value
    window, window_params = _window_case(
        "m.ends_at",
        [(now - timedelta(hours=hours), hours) for hours in sorted(config.report_after, reverse=True)],
    )
    escalate_at = config.report_after[-1] if len(config.report_after) > 1 else None
    sql = _REPORTS_DUE.format(
        window=window, open_deals=_placeholders(OPEN_DEAL_STATUSES), per_row=_per_row(), **_tables()
    ) + _NOT_SENT.format(per_row=_per_row(), **_tables())
    params = [
        *window_params,
        False,
        adapt(reconsider_after(now=now, config=config)),
        adapt(now - timedelta(days=config.report_lookback_days)),
        adapt(now - timedelta(hours=config.report_after[0])),
        *OPEN_DEAL_STATUSES,
        True,
        Role.MANAGER,
        # Without a second window nobody is escalated to: no window reaches this.
        escalate_at if escalate_at is not None else max(config.report_after) + 1,
        True,
        adapt(reconsider_after(now=now, config=config)),
    ]
    return _fetch(sql, params)


def reminders_due(*, now: datetime, config: ReminderSettings) -> list[DueReminder]:
    """Every reminder due now and not in the ledger yet, with what its message says."""
    keys = _consultation_keys_due(now=now, config=config)
    if config.report_after:
        keys += _report_keys_due(now=now, config=config)
    return _due_items(keys, now=now, config=config)


def _due_items(keys: list[tuple], *, now, config) -> list[DueReminder]:
    """The reminders behind the keys the database found due, with what their messages say."""
    if not keys:
        return []
    # Meetings, then their deals by primary key (a join would let the planner hash all deals).
    meetings = Meeting.objects.in_bulk({key[1] for key in keys})
    deals = Deal.objects.select_related("owner", "team", "customer").in_bulk(
        {meeting.deal_id for meeting in meetings.values()}
    )
    for meeting in meetings.values():
        meeting.deal = deals[meeting.deal_id]
    consultations = Consultation.objects.select_related("assignee").in_bulk(
        {key[2] for key in keys if key[2] is not None}
    )
    recipients = User.objects.in_bulk({key[3] for key in keys})
    escalated = {key[1] for key in keys if key[0] == ReminderKind.ESCALATION}
    missing = defaultdict(set)
    if escalated:
        for deal_id, department in Consultation.objects.filter(
            deal__meetings__in=escalated, required=True, status__in=UNSETTLED_CONSULTATION_STATUSES
        ).values_list("deal_id", "department"):
            missing[deal_id].add(Department(department).label)
    due = []
    for kind, meeting_id, consultation_id, recipient_id, window in keys:
        meeting = meetings.get(meeting_id)
        recipient = recipients.get(recipient_id)
        consultation = consultations.get(consultation_id)
        if meeting is None or recipient is None or (consultation_id is not None and consultation is None):
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
        due.append(_due_item(kind, meeting, deal, recipient, window, consultation, missing[deal.pk]))
    return due


def _due_item(kind, meeting, deal, recipient, window, consultation, missing) -> DueReminder:
    if kind == ReminderKind.CONSULTATION:
        is_rep = recipient.pk == deal.owner_id
        return DueReminder(
            kind=kind,
            subject=f"consultation:{consultation.pk}",
            window=window,
            meeting=meeting,
            recipient=recipient,
            consultation=consultation,
            template="reminder_consultation",
            context={
                "deal": deal,
                "meeting": meeting,
                "consultation": consultation,
                "is_rep": is_rep,
                "due": consultation.due_at or meeting.starts_at,
            },
            url=(
                _deal_url(deal.pk) if is_rep else reverse("deals:consultation_answer", args=[consultation.pk])
            ),
        )
    if kind == ReminderKind.ESCALATION:
        return DueReminder(
            kind=kind,
            subject=f"meeting:{meeting.pk}",
            window=window,
            meeting=meeting,
            recipient=recipient,
            template="reminder_escalation",
            context={"deal": deal, "meeting": meeting, "missing": sorted(missing), "due": meeting.starts_at},
            url=_deal_url(deal.pk),
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


def report_reminder_url(meeting) -> str:
    return reverse("deals:report_file", args=[meeting.pk])
