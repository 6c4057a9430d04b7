"""Reads of briefings: the version history and the approval queue."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from deals.access import among_deals, memberships_of
from deals.domain.snapshot import BriefingSnapshot
from deals.models import (
    OPEN_DEAL_STATUSES,
    Approval,
    ApprovalDelegation,
    Briefing,
    BriefingStatus,
    BriefingVersion,
    Deal,
    Guideline,
    GuidelineStatus,
)
from deals.selectors.lists import first_rows_and_count
from teams.models import Role, User


@dataclass
class VersionEntry:
    version: BriefingVersion
    approval: Approval | None
    changes: list


def briefing_versions(*, briefing: Briefing) -> QuerySet[BriefingVersion]:
    """Submitted versions newest first, with who submitted and who decided."""
    return briefing.versions.select_related(
        "submitted_by", "approval__manager", "approval__on_behalf_of"
    ).order_by("-number")


def briefing_history_entries(*, briefing: Briefing, versions) -> list[VersionEntry]:
    """These versions (newest first, e.g. a page of ``briefing_versions``), each with its decision
    and what changed since the version before; one more query for the versions just before them."""
    versions = list(versions)
    numbers = {version.number for version in versions}
    before = {
        version.number: version
        for version in briefing.versions.filter(
            number__in={version.number - 1 for version in versions} - numbers
        )
    }
    before.update({version.number: version for version in versions})
    entries = []
    for version in versions:
        previous = before.get(version.number - 1)
        entries.append(
            VersionEntry(
                version=version,
                approval=getattr(version, "approval", None),
                changes=BriefingSnapshot.from_json(version.snapshot).changes_since(
                    BriefingSnapshot.from_json(previous.snapshot) if previous else None
                ),
            )
        )
    return entries


def briefing_history(*, briefing: Briefing) -> list[VersionEntry]:
    """Submitted versions newest first, each with its decision and what changed since the one before."""
    return briefing_history_entries(briefing=briefing, versions=briefing_versions(briefing=briefing))


# Who a guideline entry names.
GUIDELINE_PEOPLE = ["asked_by", "asked_of", "given_by", "on_behalf_of", "waived_by"]


def guidelines_of(*, briefing: Briefing) -> list[Guideline]:
    """The boss's thread on the briefing beside its approvals: every question and the guidelines
    given, oldest first."""
    return list(briefing.guidelines.select_related(*GUIDELINE_PEOPLE))


def waiting_question(guidelines: list[Guideline]) -> Guideline | None:
    """The question still waiting for guidelines, among a thread's entries."""
    return next((entry for entry in guidelines if entry.is_asked), None)


@dataclass
class QueueItem:
    """A card of the manager's queue: a submitted version to decide on (``version``), a question
    waiting for guidelines (``question``), or both, with the guidelines already on record."""

    briefing: Briefing
    version: BriefingVersion | None
    on_behalf_of: User | None
    guidelines: list[Guideline] = field(default_factory=list)

    @property
    def deal(self):
        return self.briefing.deal

    @property
    def question(self) -> Guideline | None:
        return waiting_question(self.guidelines)

    @property
    def given(self) -> list[Guideline]:
        return [entry for entry in self.guidelines if entry.is_given]

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

    @cached_property
    def snapshot(self) -> BriefingSnapshot:
        return BriefingSnapshot.from_json(self.version.snapshot)

    @property
    def pitch_points(self) -> list[dict]:
        return self.snapshot.pitch_points

    @property
    def concessions(self) -> list[dict]:
        return self.snapshot.concessions

    @cached_property
    def changes_since_approved(self) -> list | None:
        """What this version changes against the one approved before it; None for a first approval."""
        approved = self.briefing.approved_version
        if approved is None or approved.pk == self.version.pk:
            return None
        return self.snapshot.changes_since(BriefingSnapshot.from_json(approved.snapshot))

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


def approval_queue_briefings(*, user: User, team_id: int | None = None) -> QuerySet[Briefing]:
    """Briefings waiting for this manager: a version to decide on or a question for guidelines
    (on an open deal), the longest waiting first (sorted in SQL)."""
    if not user.is_authenticated:
        return Briefing.objects.none()
    managed = memberships_of(user).teams(Role.MANAGER)
    if team_id is not None:
        managed = [pk for pk in managed if pk == team_id]
    if not managed:
        return Briefing.objects.none()
    # Team first: the teams' deals (not the manager's own, nor archived ones) from their index, then
    # their briefings.
    deals = Deal.objects.unarchived().filter(team_id__in=managed).exclude(owner=user)
    submitted = Q(among_deals(deals), Exists(_submitted_version()), status=BriefingStatus.SUBMITTED)
    asked = Q(among_deals(deals.filter(status__in=OPEN_DEAL_STATUSES)), Exists(_waiting_question()))
    return _longest_waiting_first(Briefing.objects.filter(submitted | asked))


def _submitted_version() -> QuerySet[BriefingVersion]:
    return BriefingVersion.objects.filter(briefing=OuterRef("pk"), number=OuterRef("version"))


def _waiting_question() -> QuerySet[Guideline]:
    return Guideline.objects.filter(briefing=OuterRef("pk"), status=GuidelineStatus.ASKED)


def _longest_waiting_first(briefings: QuerySet[Briefing]) -> QuerySet[Briefing]:
    """Each briefing with its submitted version (only while submitted) and since when it waits:
    the submission or the question, whichever came first."""
    submitted_version = _submitted_version()
    is_submitted = Q(status=BriefingStatus.SUBMITTED)
    briefings = briefings.annotate(
        submitted_version_id=Case(When(is_submitted, then=Subquery(submitted_version.values("pk")[:1]))),
        submitted_at=Case(When(is_submitted, then=Subquery(submitted_version.values("submitted_at")[:1]))),
        asked_at=Subquery(_waiting_question().values("asked_at")[:1]),
    )
    return briefings.annotate(
        waiting_since=Case(
            When(submitted_at__isnull=True, then="asked_at"),
            When(asked_at__isnull=True, then="submitted_at"),
            When(asked_at__lt=F("submitted_at"), then="asked_at"),
            default="submitted_at",
        )
    ).order_by("waiting_since", "pk")


# What a queue item shows of its briefing.
_QUEUE_RELATED = ["deal", "deal__customer", "deal__owner", "deal__team", "approved_version"]


def approval_queue_count(*, user: User) -> int:
    return approval_queue_briefings(user=user).count()


def approval_queue_items(*, user: User, briefings) -> list[QueueItem]:
    """The queue items of these briefings (a page of ``approval_queue_briefings``), in four queries."""
    today = timezone.localdate()
    if isinstance(briefings, QuerySet):
        # The page is chosen on the briefings alone; only its rows are then joined to what they show.
        chosen = Briefing.objects.filter(pk__in=briefings.values("pk"))
        briefings = _longest_waiting_first(chosen).select_related(*_QUEUE_RELATED)
    briefings = list(briefings)
    if not briefings:
        return []
    versions = BriefingVersion.objects.select_related("submitted_by").in_bulk(
        [b.submitted_version_id for b in briefings if b.submitted_version_id]
    )
    guidelines = {}
    for entry in Guideline.objects.filter(briefing__in=briefings).select_related("asked_by", "given_by"):
        guidelines.setdefault(entry.briefing_id, []).append(entry)
    delegations = {
        d.team_id: d.manager
        for d in ApprovalDelegation.objects.filter(
            delegate=user, starts_on__lte=today, ends_on__gte=today
        ).select_related("manager")
    }
    items = [
        QueueItem(
            briefing=b,
            version=versions.get(b.submitted_version_id),
            on_behalf_of=delegations.get(b.deal.team_id),
            guidelines=guidelines.get(b.pk, []),
        )
        for b in briefings
    ]
    return [item for item in items if item.version is not None or item.question is not None]


def approval_queue_for(*, user: User) -> list[QueueItem]:
    """Briefings waiting for this manager, the longest waiting first, in four queries."""
    briefings = approval_queue_briefings(user=user).select_related(*_QUEUE_RELATED)
    return approval_queue_items(user=user, briefings=list(briefings))


def approval_queue_panel(*, user: User, limit: int) -> dict:
    """The home panel: the first ``limit`` briefings waiting for the manager and how many wait."""
    briefings, count = first_rows_and_count(
        approval_queue_briefings(user=user).select_related(*_QUEUE_RELATED), limit=limit
    )
    return {"queue": approval_queue_items(user=user, briefings=briefings), "queue_count": count}
