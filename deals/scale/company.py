"""The company: its tables, and the deals of every team, in one or more processes (see ``workers``).

The teams, their people and customers are drawn by ``CompanyTeams`` (``teams``).
"""

import datetime
import random
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from deals.models import (
    Activity,
    Approval,
    ApprovalDelegation,
    Briefing,
    BriefingVersion,
    Concession,
    CoNegotiatorRequest,
    Consultation,
    Contact,
    Customer,
    Deal,
    FinancePolicy,
    Meeting,
    NegotiationReport,
    Objection,
    OnCall,
    PaymentTermRequest,
    PitchPoint,
    ReadinessChange,
)
from deals.scale.bulk import BulkWriter
from deals.scale.plan import INBOX_DAYS, NORTHWIND, PASSWORD, SEED, ScalePlan
from deals.scale.stories import DealStory, TeamSet
from deals.scale.teams import CompanyTeams
from deals.scale.workers import stories_in_workers
from teams.models import Membership, Notification, Team, User


class Company(CompanyTeams):
    """Generates the company; ``run`` writes it and returns the counts."""

    def __init__(
        self,
        *,
        plan: ScalePlan,
        log: Callable[[str], None] | None = None,
        now: datetime.datetime | None = None,
    ):
        self.plan = plan
        self.log = log or (lambda message: None)
        self.rng = random.Random(SEED)  # noqa: S311 - made-up data, reproducible on purpose
        self.now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
        self.inbox_since = self.now - datetime.timedelta(days=INBOX_DAYS)
        self.password = make_password(PASSWORD)
        self.names: dict[int, str] = {}
        self.phones: dict[int, str] = {}
        self.user_tz: dict[int, str] = {}
        self.used_usernames = set(User.objects.values_list("username", flat=True))
        self.rita = User.objects.filter(username="rita").values_list("pk", flat=True).first()
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.paths = {
            "deal": reverse("deals:detail", args=[999_999_999]).replace("999999999", "{}"),
            "answer": reverse("deals:consultation_answer", args=[999_999_999]).replace("999999999", "{}"),
            "payment": reverse("deals:payment_request", args=[999_999_999]).replace("999999999", "{}"),
            "report": reverse("deals:report_detail", args=[999_999_999]).replace("999999999", "{}"),
        }

    # Writing ----------------------------------------------------------------------------------

    def run(self, *, workers: int = 1) -> dict[str, int]:
        """Write the company; ``workers`` > 1 generates the deals in that many forked processes.

        The people, teams and customers come first, from one generator. Then each team's
        deals come from the team's own generator, numbered from 1 and shifted to their
        ids in team order, so the data is the same whatever the number of workers.
        """
        w = self.w = BulkWriter()
        w.defer_foreign_key_checks()
        self.t_user = w.table(User)
        self.t_team = w.table(Team)
        self.t_membership = w.table(Membership)
        self.t_policy = w.table(FinancePolicy)
        self.t_customer = w.table(Customer)
        self.t_contact = w.table(Contact)
        self.t_delegation = w.table(ApprovalDelegation)
        self._story_tables(w)
        try:
            w.drop_indexes()
            teams = self._teams()
            shares = self._deal_shares(teams)
            jobs = []
            for index, (team, count) in enumerate(zip(teams, shares, strict=True)):
                self._team_people(team, count)
                jobs.append((index, team, count))
            for table in w.tables.values():
                table.flush()
            # No batch may be on its way while forking: the workers must not inherit a busy connection.
            w.drain()
            if workers > 1:
                stories_in_workers(self, jobs, workers)
            else:
                for index, team, count in jobs:
                    rows, ids = self.team_stories(index, team, count)
                    self._take(rows, self.offsets(ids))
                    self.log(f"  {team.name}: {count:,} deals")
            w.finish()
        except BaseException:
            w.stop()
            raise
        return w.counts()

    def _story_tables(self, w: BulkWriter) -> None:
        self.t_deal = w.table(Deal)
        self.t_meeting = w.table(Meeting)
        self.t_meeting_contact = w.table(Meeting.contacts.through, with_ids=False, key="meeting contacts")
        self.t_meeting_co = w.table(
            Meeting.co_negotiators.through, with_ids=False, key="meeting co-negotiators"
        )
        self.t_briefing = w.table(Briefing)
        self.t_pitch = w.table(PitchPoint)
        self.t_objection = w.table(Objection)
        self.t_concession = w.table(Concession)
        self.t_version = w.table(BriefingVersion)
        self.t_approval = w.table(Approval)
        self.t_consultation = w.table(Consultation)
        self.t_payment = w.table(PaymentTermRequest)
        self.t_on_call = w.table(OnCall)
        self.t_co_request = w.table(CoNegotiatorRequest)
        self.t_report = w.table(NegotiationReport)
        self.t_activity = w.table(Activity)
        self.t_readiness = w.table(ReadinessChange)
        self.t_notification = w.table(Notification)

    # The deals of one team ---------------------------------------------------------------------

    def team_stories(self, index: int, team: TeamSet, count: int) -> tuple[dict[str, list], dict[str, int]]:
        """The rows of the team's deals, numbered from 1 per table, and how many ids each table used."""
        local = BulkWriter(local=True)
        self._story_tables(local)
        self.rng = random.Random(f"{SEED}:{index}")  # noqa: S311 - made-up data, reproducible on purpose
        rita = self.rita if team.name == NORTHWIND else None
        owners = []
        reps = [r for r in team.members("rep") if r != rita]
        if rita is not None:
            owners += [rita] * self.plan.rita_deals
        owners += [reps[i % len(reps)] for i in range(count - len(owners))]
        self.rng.shuffle(owners)
        for owner in owners:
            DealStory(self, team, owner).write()
        rows = {key: table.rows for key, table in local.tables.items()}
        ids = {
            table.model._meta.label: table.next_id - 1 for table in local.tables.values() if table.with_ids
        }
        return rows, ids

    def offsets(self, ids: dict[str, int]) -> dict[str, int]:
        """What to add to a team's local ids: the next free id of each table, minus one."""
        offsets = {}
        for table in self.w.tables.values():
            label = table.model._meta.label
            if table.with_ids and label in ids:
                offsets[label] = table.next_id - 1
                table.next_id += ids[label]
        return offsets

    def _take(self, rows: dict[str, list], offsets: dict[str, int]) -> None:
        for key, table_rows in rows.items():
            table = self.w.tables[key]
            table.shift(table_rows, offsets)
            table.count += len(table_rows)
            for start in range(0, len(table_rows), self.w.batch_size):
                self.w.write(table, table_rows[start : start + self.w.batch_size])
