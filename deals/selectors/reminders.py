"""What the reminder sweep has to send now, read from the database (DESIGN.md, "Reminders").

Who is due is decided in SQL (portable between PostgreSQL and SQLite) and
only keys missing from the ledger come back, so the cost of a tick follows
what is new, not how many reminders are already out; the messages are built
in Python for those keys only. Claiming and sending them is
``deals.services.reminders``.
"""

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import F

from deals.domain.reminders import (
    ReminderSettings,
    reconsider_after,
)
from deals.models import (
    DEPARTMENT_ROLES,
    OPEN_DEAL_STATUSES,
    UNSETTLED_CONSULTATION_STATUSES,
    Briefing,
    BriefingStatus,
    Consultation,
    ConsultationStatus,
    Deal,
    Guideline,
    GuidelineStatus,
    Meeting,
    NegotiationReport,
    PaymentTermRequest,
    PaymentTermStatus,
    Reminder,
)
from deals.selectors.reminder_messages import DueReminder, due_items
from teams.models import Membership, Role, User


def _tables() -> dict[str, str]:
    return {
        "meeting": Meeting._meta.db_table,
        "deal": Deal._meta.db_table,
        "consultation": Consultation._meta.db_table,
        "payment": PaymentTermRequest._meta.db_table,
        "briefing": Briefing._meta.db_table,
        "guideline": Guideline._meta.db_table,
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
SELECT due.kind, due.meeting_id, due.object_id, due.recipient_id, due.window_hours
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
# a range of the partial index on upcoming meetings); then what their deals
# still owe: the required unsettled consultations (a small partial index),
# the payment-term requests waiting for finance and the briefing whose current
# version is not approved (one index probe each per meeting); the deals are
# read only for meetings that owe something.
_CONSULTATIONS_DUE = """
WITH window_meeting AS (
    {window_meetings}
),
owed AS (
    SELECT w.meeting_id, w.starts_at, w.deal_id, {window} AS window_hours, 'consultation' AS kind,
           c.id AS object_id, c.status, {department_role} AS role, c.assignee_id,
           'consultation:' || CAST(c.id AS TEXT) AS subject
    FROM window_meeting w
    JOIN {consultation} c ON c.deal_id = w.deal_id
    WHERE c.required = %s AND c.status IN ({unsettled})
    UNION ALL
    SELECT w.meeting_id, w.starts_at, w.deal_id, {window}, 'payment_terms',
           p.id, %s, %s, NULL, 'payment:' || CAST(p.id AS TEXT)
    FROM window_meeting w
    JOIN {payment} p ON p.deal_id = w.deal_id
    WHERE p.status = %s
    UNION ALL
    SELECT w.meeting_id, w.starts_at, w.deal_id, {window}, 'briefing', b.id,
           CASE WHEN b.status = %s OR EXISTS (
               SELECT 1 FROM {guideline} g WHERE g.briefing_id = b.id AND g.status = %s
           ) THEN %s ELSE %s END,
           %s, NULL, 'briefing:' || CAST(b.id AS TEXT)
    FROM window_meeting w
    JOIN {briefing} b ON b.deal_id = w.deal_id
    WHERE b.status <> %s
),
unsettled AS (
    SELECT o.*, d.team_id, d.owner_id
    FROM owed o
    JOIN {deal} d ON d.id = o.deal_id
    WHERE d.status IN ({open_deals})
),
owing AS (
    SELECT DISTINCT meeting_id, starts_at, team_id, owner_id, window_hours FROM unsettled
),
due AS (
    SELECT u.kind, u.meeting_id, u.object_id, u.owner_id AS recipient_id,
           u.window_hours, u.starts_at, u.subject
    FROM unsettled u JOIN {user} rep ON rep.id = u.owner_id
    WHERE rep.is_active = %s
    UNION ALL
    SELECT u.kind, u.meeting_id, u.object_id, u.assignee_id,
           u.window_hours, u.starts_at, u.subject
    FROM unsettled u JOIN {user} assignee ON assignee.id = u.assignee_id
    WHERE u.status <> %s AND assignee.is_active = %s
    UNION ALL
    SELECT u.kind, u.meeting_id, u.object_id, ms.user_id, u.window_hours, u.starts_at, u.subject
    FROM unsettled u
    JOIN {membership} ms ON ms.team_id = u.team_id AND ms.role = u.role
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
    SELECT 'report' AS kind, p.meeting_id, NULL AS object_id, p.owner_id AS recipient_id,
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
    """(kind, meeting id, object id, recipient id, window) of each reminder of what a deal owes
    before its meeting, and of each escalation, due now and not in the ledger yet.

    What a deal owes: its required unsettled consultations, a payment-term request waiting for
    finance, and its briefing while the current version is not approved (the boss's part). Who is
    reminded: the rep, and, once it is asked (the questions sent, the request made, the briefing
    submitted or guidelines asked for), the named assignee (or, without an active one, every
    active member of that department, finance or the managers in the team but the rep); from
    ``escalate_from`` on, every active manager of the team but the rep. Only each deal's next
    meeting within the largest window counts, and only its latest crossed window.
    """
    adapt = connection.ops.adapt_datetimefield_value
    window, window_params = _window_case(
        "w.starts_at", [(now + timedelta(hours=hours), hours) for hours in sorted(config.windows)]
    )
    roles = list(DEPARTMENT_ROLES.items())
    department_role = "CASE c.department " + " ".join("WHEN %s THEN %s" for _ in roles) + " END"
    window_meetings, window_meetings_params = _window_meetings(now=now, config=config)
    sql = _CONSULTATIONS_DUE.format(
        window_meetings=window_meetings,
        window=window,
        open_deals=_placeholders(OPEN_DEAL_STATUSES),
        unsettled=_placeholders(UNSETTLED_CONSULTATION_STATUSES),
        department_role=department_role,
        **_tables(),
    ) + _NOT_SENT.format(per_row=_per_row(), **_tables())
    asked, not_asked = ConsultationStatus.REQUESTED, ConsultationStatus.OPEN
    params = [
        *window_meetings_params,
        # Consultations
        *window_params,
        *[value for pair in roles for value in pair],
        True,
        *UNSETTLED_CONSULTATION_STATUSES,
        # Payment-term requests
        *window_params,
        asked,
        Role.FINANCE,
        PaymentTermStatus.SUBMITTED,
        # Briefings
        *window_params,
        BriefingStatus.SUBMITTED,
        GuidelineStatus.ASKED,
        asked,
        not_asked,
        Role.MANAGER,
        BriefingStatus.APPROVED,
        # The deals, then who is reminded
        *OPEN_DEAL_STATUSES,
        True,
        not_asked,
        True,
        not_asked,
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
    return due_items(keys, now=now, config=config)
