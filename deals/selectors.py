"""Reads about deals, always scoped to the user asking.

Who may see what is decided in ``deals.access``: every view, download and htmx
endpoint starts from one of its gates.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from deals.diffs import snapshot_diff
from deals.models import (
    Approval,
    ApprovalDelegation,
    Briefing,
    BriefingStatus,
    BriefingVersion,
    CoNegotiatorRequest,
    OnCall,
    OnCallStatus,
)
from teams.models import Membership, Role, User


@dataclass
class VersionEntry:
    version: BriefingVersion
    approval: Approval | None
    changes: list


def briefing_history(*, briefing: Briefing) -> list[VersionEntry]:
    """Submitted versions newest first, each with its decision and what changed since the one before."""
    versions = list(
        briefing.versions.select_related(
            "submitted_by", "approval__manager", "approval__on_behalf_of"
        ).order_by("number")
    )
    entries, previous = [], None
    for version in versions:
        approval = getattr(version, "approval", None)
        entries.append(
            VersionEntry(
                version=version,
                approval=approval,
                changes=snapshot_diff(previous.snapshot if previous else None, version.snapshot),
            )
        )
        previous = version
    entries.reverse()
    return entries


@dataclass
class QueueItem:
    briefing: Briefing
    version: BriefingVersion
    on_behalf_of: User | None

    @property
    def deal(self):
        return self.briefing.deal

    def _pct_of_list(self, value):
        list_price = self.briefing.list_price
        if value is None or not list_price:
            return None
        return (value / list_price * 100).quantize(Decimal("0.1"))

    @property
    def target_pct(self):
        return self._pct_of_list(self.briefing.target_price)

    @property
    def walk_away_pct(self):
        return self._pct_of_list(self.briefing.walk_away_price)

    @property
    def walk_away_discount_pct(self):
        pct = self.walk_away_pct
        return None if pct is None else Decimal("100") - pct

    @property
    def pitch_points(self) -> list[dict]:
        return self.version.snapshot.get("pitch_points", [])

    @property
    def concessions(self) -> list[dict]:
        return self.version.snapshot.get("concessions", [])

    @property
    def changes_since_approved(self) -> list | None:
        """What this version changes against the one approved before it; None for a first approval."""
        approved = self.briefing.approved_version
        if approved is None or approved.pk == self.version.pk:
            return None
        return snapshot_diff(approved.snapshot, self.version.snapshot)

    @property
    def discount_floor(self) -> Decimal | None:
        """The price the maximum discount allows, when it goes below the walk-away price."""
        b = self.briefing
        if None in (b.list_price, b.max_discount_pct, b.walk_away_price):
            return None
        floor = (b.list_price * (Decimal("100") - b.max_discount_pct) / Decimal("100")).quantize(
            Decimal("0.01")
        )
        return floor if floor < b.walk_away_price else None


def approval_queue_for(*, user: User) -> list[QueueItem]:
    """Briefings waiting for this manager's decision, oldest submission first, in two queries."""
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    managed = Membership.objects.filter(user=user, role=Role.MANAGER).values("team")
    submitted_version = BriefingVersion.objects.filter(briefing=OuterRef("pk"), number=OuterRef("version"))
    briefings = (
        Briefing.objects.filter(status=BriefingStatus.SUBMITTED, deal__team__in=managed)
        .exclude(deal__owner=user)
        .select_related("deal", "deal__customer", "deal__owner", "deal__team", "approved_version")
        .annotate(submitted_version_id=Subquery(submitted_version.values("pk")[:1]))
    )
    briefings = list(briefings)
    versions = BriefingVersion.objects.select_related("submitted_by").in_bulk(
        [b.submitted_version_id for b in briefings]
    )
    delegations = {
        d.team_id: d.manager
        for d in ApprovalDelegation.objects.filter(
            delegate=user, starts_on__lte=today, ends_on__gte=today
        ).select_related("manager")
    }
    items = [
        QueueItem(
            briefing=b, version=versions[b.submitted_version_id], on_behalf_of=delegations.get(b.deal.team_id)
        )
        for b in briefings
        if b.submitted_version_id in versions
    ]
    items.sort(key=lambda item: item.version.submitted_at)
    return items


def cover_invitations_for(*, user: User) -> dict:
    """What colleagues asked of the user for upcoming meetings: on-call cover and co-negotiation."""
    now = timezone.now()
    upcoming = {"meeting__cancelled": False, "meeting__ends_at__gt": now}
    related = ["meeting", "meeting__deal", "meeting__deal__customer", "meeting__deal__owner"]
    return {
        "on_call_invitations": list(
            OnCall.objects.filter(member=user, **upcoming)
            .exclude(status=OnCallStatus.DECLINED)
            .select_related(*related)
            .order_by("meeting__starts_at")
        ),
        "co_negotiator_invitations": list(
            CoNegotiatorRequest.objects.filter(member=user, **upcoming)
            .exclude(status=OnCallStatus.DECLINED)
            .select_related(*related)
            .order_by("meeting__starts_at")
        ),
    }


def overlapping_on_calls(
    *, starts_at, ends_at, member: User | None = None, team=None, exclude_meeting=None
) -> list[OnCall]:
    """Accepted or pending on-call commitments overlapping the window, of one member or a whole team."""
    overlapping = OnCall.objects.filter(
        available_from__lt=ends_at, available_to__gt=starts_at, meeting__cancelled=False
    ).exclude(status=OnCallStatus.DECLINED)
    if member is not None:
        overlapping = overlapping.filter(member=member)
    if team is not None:
        overlapping = overlapping.filter(meeting__deal__team=team)
    if exclude_meeting is not None:
        overlapping = overlapping.exclude(meeting=exclude_meeting)
    return list(overlapping.select_related("member", "meeting__deal"))
