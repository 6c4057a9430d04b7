"""What every part of a deal's story shares: the team, a planned meeting, and the helpers.

The helpers draw a moment or a meeting slot, and write a timeline entry or a notification.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from deals.models import FinancePolicy

CENT = Decimal("0.01")


# The people and places of one team, and one meeting ----


@dataclass
class TeamSet:
    id: int
    name: str
    currency: str
    policy: FinancePolicy
    roles: dict[str, list[int]] = field(default_factory=dict)
    customers: list[tuple[int, str, list[int]]] = field(default_factory=list)

    def members(self, role: str) -> list[int]:
        return self.roles.get(role, [])


@dataclass
class MeetingPlan:
    id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    stage: str
    cancelled: bool = False
    contacts: list[int] = field(default_factory=list)
    co_negotiators: list[int] = field(default_factory=list)
    covered: bool = False

    def is_upcoming(self, now: datetime.datetime) -> bool:
        return not self.cancelled and self.ends_at > now


# The deal's owner, as the actor of a timeline entry.
OWNER = object()


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


class StoryBase:
    """The deal's team and owner, the company's tables and generator, and the helpers of every part."""

    def __init__(self, company, team: TeamSet, owner: int):
        self.c = company
        self.rng = company.rng
        self.team = team
        self.owner = owner
        self.now = company.now

    # Helpers ----------------------------------------------------------------------------------

    def at(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        """A moment between start and end, to the minute.

        One draw whatever the span: the spans depend on the hour the seed runs (meetings
        are in office hours), and the generator must not, or later deals would differ.
        """
        seconds = max(60, (end - start).total_seconds())
        moment = start + datetime.timedelta(seconds=seconds * self.rng.random())
        return moment.replace(second=0, microsecond=0)

    def slot(self, day: datetime.datetime) -> datetime.datetime:
        """A meeting start on that day in office hours (UTC), on the quarter hour."""
        hour = self.rng.randint(7, 15)
        return day.replace(hour=hour, minute=self.rng.choice([0, 0, 15, 30, 45]), second=0, microsecond=0)

    def activity(self, when, verb, summary, actor=OWNER, changes=None) -> None:
        """A timeline entry; by default the owner acts, ``actor=None`` is the app itself."""
        self.c.t_activity.add(
            deal_id=self.deal_id,
            actor_id=self.owner if actor is OWNER else actor,
            verb=verb,
            summary=summary[:300],
            changes=changes or {},
            created_at=when,
        )

    def notify(self, when, recipients, kind, title, url, *, email=True, topic="") -> None:
        rng = self.rng
        seen = set()
        for recipient in recipients:
            if recipient in seen:
                continue
            seen.add(recipient)
            # Drawn before the inbox window is checked, for the same reason as in ``at``.
            chance, hours = rng.random(), rng.randint(1, 72)
            if when < self.c.inbox_since or when > self.now:
                continue
            read = chance < (0.9 if (self.now - when).days > 7 else 0.4)
            body = f"{title}.\n\nOpen it in NegPrep: {url}\n"
            self.c.t_notification.add(
                recipient_id=recipient,
                team_id=self.team.id,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                topic=topic[:200],
                in_inbox=True,
                created_at=when,
                read_at=when + datetime.timedelta(hours=hours) if read else None,
                email_status="sent" if email else "skipped",
                email_subject=title[:255],
                email_text=body,
                email_html="",
                email_attempts=1 if email else 0,
                email_last_error="",
                email_claimed_until=None,
                email_sent_at=when + datetime.timedelta(minutes=1) if email else None,
            )

    def when_text(self, moment: datetime.datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(self.c.tz)
        return f"{local:%a} {local.day} {local:%b, %H:%M %Z}"

    def name(self, user_id: int | None) -> str:
        return self.c.names.get(user_id, "someone")

    def others(self, role: str, exclude: int | None = None) -> list[int]:
        return [m for m in self.team.members(role) if m != exclude and m != self.owner]
