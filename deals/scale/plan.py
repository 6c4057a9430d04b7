"""What seed_scale makes: the shares of the company at any size, and its errors."""

import re
from dataclasses import dataclass, field

from teams.models import Team

SEED = 20_261_130
PASSWORD = "demo1234"  # noqa: S105 - the published demo login, refused outside DEBUG
MARK = "seed_scale --deals"
NORTHWIND = "Northwind Industrial Sales"
SOUTHPEAK = "Southpeak Components"

# Shares at any size, as at 100,000 deals: 49 more teams, rita 200 deals, her team 2,000.
TEAMS_PER_DEAL = 49 / 100_000
RITA_SHARE = 0.002
NORTHWIND_SHARE = 0.02
DEALS_PER_REP = 200
MIN_DEALS = 100
# Notifications are written for what happened in the last weeks; older history is in the timeline.
INBOX_DAYS = 30


class ScaleSeedError(Exception):
    """seed_scale cannot run on this database; the message says why."""


@dataclass(frozen=True)
class ScalePlan:
    deals: int
    new_teams: int
    northwind_deals: int
    rita_deals: int

    @classmethod
    def for_deals(cls, deals: int) -> "ScalePlan":
        rita = max(1, round(deals * RITA_SHARE))
        northwind = max(rita + 2, round(deals * NORTHWIND_SHARE))
        return cls(
            deals=deals,
            new_teams=max(2, round(deals * TEAMS_PER_DEAL)),
            northwind_deals=northwind,
            rita_deals=rita,
        )


@dataclass
class ScaleResult:
    counts: dict[str, int]
    seconds: float
    # Where the time went, in order: phase → seconds.
    phases: dict[str, float] = field(default_factory=dict)


def scale_seeded_with() -> int | None:
    """The number of deals seed_scale ran with on this database, or None if it never ran."""
    description = (
        Team.objects.filter(description__contains=MARK).values_list("description", flat=True).first()
    )
    if description is None:
        return None
    match = re.search(rf"{MARK} (\d+)", description)
    return int(match.group(1)) if match else 0
