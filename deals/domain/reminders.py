"""When reminders are due, as functions of times: the windows before and after a meeting.

The due-queries (``deals.selectors.reminders``) and the sweep that claims and
sends (``deals.services.reminders``) share these.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings


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


def reconsider_after(*, now: datetime, config: ReminderSettings) -> datetime:
    """The sweep never looks at a meeting that started at or before this again.

    Consultation reminders only concern meetings still ahead, and report
    reminders meetings that ended within the look-back; a meeting starting
    over a day before the look-back began (longer meetings are not a thing)
    has had all its windows. Its ledger rows can go: no sweep re-creates them.
    """
    return now - timedelta(days=config.report_lookback_days + 1)
