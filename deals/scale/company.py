"""The company: its teams, people and customers, and the deals of every team, in one or more processes."""

import datetime
import math
import multiprocessing
import multiprocessing.connection
import os
import random
import shutil
import tempfile
import traceback
import zoneinfo
from collections.abc import Callable
from decimal import Decimal

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
from deals.scale.plan import (
    DEALS_PER_REP,
    INBOX_DAYS,
    MARK,
    NORTHWIND,
    PASSWORD,
    SEED,
    SOUTHPEAK,
    ScalePlan,
    ScaleSeedError,
)
from deals.scale.stories import DealStory, TeamSet
from deals.scale.words.company import (
    CONTACT_TITLES,
    CURRENCIES,
    CUSTOMER_SECTORS,
    CUSTOMER_STEMS,
    LEGAL_FORMS,
    REGIONS,
    SEGMENTS,
)
from deals.scale.words.people import FIRST_NAMES, LAST_NAMES, TIME_ZONES
from teams.models import Membership, Notification, Team, User


class Company:
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
                self._stories_in_workers(jobs, workers)
            else:
                for index, team, count in jobs:
                    rows, ids = self.team_stories(index, team, count)
                    self._take(rows, self._offsets(ids))
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

    def _offsets(self, ids: dict[str, int]) -> dict[str, int]:
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

    def _stories_in_workers(self, jobs: list, workers: int) -> None:
        """Generate the teams' deals in forked processes; this one numbers them and COPYs their files.

        A worker sends how many ids a team used, gets the team's offsets back once every
        earlier team is numbered, and writes the shifted rows as CSV files to COPY.
        """
        context = multiprocessing.get_context("fork")
        tmpdir = tempfile.mkdtemp(prefix="seed-scale-")
        owner_of, pipes, processes = {}, [], []
        try:
            for number in range(workers):
                mine = jobs[number::workers]
                for index, _, _ in mine:
                    owner_of[index] = number
                parent_end, child_end = context.Pipe()
                process = context.Process(
                    target=_story_worker, args=(self, mine, child_end, tmpdir), daemon=True
                )
                process.start()
                child_end.close()
                pipes.append(parent_end)
                processes.append(process)
            waiting = {}
            next_index, running = 0, set(range(workers))
            names = {index: (team.name, count) for index, team, count in jobs}
            while running:
                ready = multiprocessing.connection.wait([pipes[n] for n in running])
                for pipe in ready:
                    number = pipes.index(pipe)
                    try:
                        message = pipe.recv()
                    except EOFError:
                        raise ScaleSeedError("A worker generating deals died; nothing was written.") from None
                    if message[0] == "ids":
                        waiting[message[1]] = message[2]
                    elif message[0] == "files":
                        for key, path, rows in message[2]:
                            table = self.w.tables[key]
                            self.w.write_file(table, path)
                            table.count += rows
                        name, count = names[message[1]]
                        self.log(f"  {name}: {count:,} deals")
                    elif message[0] == "done":
                        running.discard(number)
                    else:
                        raise ScaleSeedError(
                            f"A worker generating deals failed; nothing was written.\n{message[1]}"
                        )
                while next_index in waiting:
                    pipes[owner_of[next_index]].send(self._offsets(waiting.pop(next_index)))
                    next_index += 1
            self.w.drain()  # before the files go
        finally:
            for process in processes:
                if process.is_alive():
                    process.kill()
                process.join()
            shutil.rmtree(tmpdir, ignore_errors=True)

    # Teams and people -------------------------------------------------------------------------

    def _user(self, *, joined: datetime.datetime) -> int:
        rng = self.rng
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            username = f"{first}.{last}".lower()
            if username in self.used_usernames:
                username = f"{username}{rng.randint(2, 999)}"
            if username not in self.used_usernames:
                break
        self.used_usernames.add(username)
        tz = rng.choice(TIME_ZONES)
        pk = self.t_user.add(
            password=self.password,
            last_login=None,
            is_superuser=False,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@scale.negprep.example",
            is_staff=False,
            is_active=True,
            date_joined=joined,
            time_zone=tz,
            email_reminders=rng.random() < 0.8,
        )
        self.names[pk] = f"{first} {last}"
        self.user_tz[pk] = tz
        return pk

    def _member(self, team: TeamSet, user_id: int, role: str, joined: datetime.datetime) -> None:
        phone = self.phones.setdefault(user_id, f"+49 30 {self.rng.randint(1_000_000, 9_999_999)}")
        self.t_membership.add(user_id=user_id, team_id=team.id, role=role, phone=phone, created_at=joined)
        team.roles.setdefault(role, []).append(user_id)

    def _policy(self, team_id: int) -> FinancePolicy:
        rng = self.rng
        standard = rng.choice([30, 30, 45, 60])
        policy = FinancePolicy(
            team_id=team_id,
            standard_net_days=standard,
            max_net_days=standard + rng.choice([0, 30, 30, 60]),
            min_deposit_pct=Decimal(rng.choice([0, 10, 10, 20, 30])),
            max_instalments=rng.choice([1, 2, 3, 4]),
            early_payment_discount_allowed=rng.random() < 0.5,
        )
        self.t_policy.add(
            team_id=team_id,
            standard_net_days=policy.standard_net_days,
            max_net_days=policy.max_net_days,
            min_deposit_pct=policy.min_deposit_pct,
            max_instalments=policy.max_instalments,
            early_payment_discount_allowed=policy.early_payment_discount_allowed,
            updated_at=self.now - datetime.timedelta(days=400),
        )
        return policy

    def _staff(self, team: TeamSet, deals: int, joined: datetime.datetime) -> None:
        """Fill the team up to its size: reps for its deals, two managers, the departments."""
        rng = self.rng
        wanted = {
            "manager": 2,
            "rep": max(2, math.ceil(deals / DEALS_PER_REP)),
            "production": rng.choice([1, 2, 2]),
            "supply_chain": rng.choice([1, 2]),
            "finance": rng.choice([1, 1, 2]),
        }
        for role, size in wanted.items():
            for _ in range(size - len(team.members(role))):
                self._member(team, self._user(joined=joined), role, joined)
        if rng.random() < 0.3:
            # Some managers also answer for finance in their team.
            manager = team.members("manager")[-1]
            if manager not in team.members("finance"):
                self._member(team, manager, "finance", joined)

    def _existing_team(self, name: str) -> TeamSet | None:
        team = Team.objects.filter(name=name).first()
        if team is None:
            return None
        policy = FinancePolicy.objects.filter(team=team).first() or self._policy(team.pk)
        result = TeamSet(id=team.pk, name=team.name, currency="EUR", policy=policy)
        for membership in Membership.objects.filter(team=team).select_related("user").order_by("pk"):
            result.roles.setdefault(membership.role, []).append(membership.user_id)
            self.names[membership.user_id] = str(membership.user)
            self.user_tz[membership.user_id] = membership.user.time_zone
            if membership.phone:
                self.phones[membership.user_id] = membership.phone
        for customer in Customer.objects.filter(team=team).order_by("name"):
            contacts = list(customer.contacts.order_by("pk").values_list("pk", flat=True))
            result.customers.append((customer.pk, customer.name, contacts))
        return result

    def _teams(self) -> list[TeamSet]:
        rng, plan = self.rng, self.plan
        joined = self.now - datetime.timedelta(days=730)
        northwind = self._existing_team(NORTHWIND)
        southpeak = self._existing_team(SOUTHPEAK)
        if northwind is None or southpeak is None:
            raise ScaleSeedError("The demo teams are missing: run seed_demo first.")
        teams = [northwind, southpeak]
        used = set(Team.objects.values_list("name", flat=True))
        combos = [f"{region} {segment}" for region in REGIONS for segment in SEGMENTS]
        rng.shuffle(combos)
        description = f"A sales team of the company-scale data set ({MARK} {plan.deals})."
        for index in range(plan.new_teams):
            name = combos[index % len(combos)]
            if index >= len(combos):
                name = f"{name} {index // len(combos) + 1}"
            if name in used:
                name = f"{name} (company)"
            used.add(name)
            pk = self.t_team.add(name=name, description=description, created_at=joined)
            teams.append(TeamSet(id=pk, name=name, currency=rng.choice(CURRENCIES), policy=self._policy(pk)))
        return teams

    def _deal_shares(self, teams: list[TeamSet]) -> list[int]:
        plan, rng = self.plan, self.rng
        rest = plan.deals - plan.northwind_deals
        weights = [rng.uniform(0.7, 1.3) for _ in teams[1:]]
        total = sum(weights)
        shares = [int(rest * w / total) for w in weights]
        for index in range(rest - sum(shares)):
            shares[index % len(shares)] += 1
        return [plan.northwind_deals, *shares]

    def _customers(self, team: TeamSet, count: int) -> None:
        rng = self.rng
        taken = {name for _, name, _ in team.customers}
        created = self.now - datetime.timedelta(days=600)
        combos = len(CUSTOMER_STEMS) * len(CUSTOMER_SECTORS) * len(LEGAL_FORMS)
        for index in rng.sample(range(combos), min(count, combos)):
            stem = CUSTOMER_STEMS[index % len(CUSTOMER_STEMS)]
            sector, industry = CUSTOMER_SECTORS[index // len(CUSTOMER_STEMS) % len(CUSTOMER_SECTORS)]
            form = LEGAL_FORMS[index // (len(CUSTOMER_STEMS) * len(CUSTOMER_SECTORS))]
            name = f"{stem} {sector} {form}"
            if name in taken:
                continue
            taken.add(name)
            customer_id = self.t_customer.add(
                team_id=team.id,
                name=name,
                industry=industry,
                website=f"https://www.{stem.lower()}-{sector.lower()}.example",
                notes="",
                created_at=created,
            )
            contacts = []
            for title, role, cares in rng.sample(CONTACT_TITLES, rng.randint(1, 4)):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                contacts.append(
                    self.t_contact.add(
                        customer_id=customer_id,
                        name=f"{first} {last}",
                        title=title,
                        buying_role=role,
                        cares_about=cares,
                        email=f"{first}.{last}@{stem.lower()}.example".lower(),
                        phone=f"+49 40 {rng.randint(1_000_000, 9_999_999)}",
                        created_at=created,
                    )
                )
            team.customers.append((customer_id, name, contacts))

    def _team_people(self, team: TeamSet, count: int) -> None:
        rng = self.rng
        joined = self.now - datetime.timedelta(days=730)
        self._staff(team, count, joined)
        self._customers(team, max(8, count // 8))
        if rng.random() < 0.15:
            managers = team.members("manager")
            self.t_delegation.add(
                team_id=team.id,
                manager_id=managers[0],
                delegate_id=managers[1],
                starts_on=self.now.date() - datetime.timedelta(days=rng.randint(0, 3)),
                ends_on=self.now.date() + datetime.timedelta(days=rng.randint(1, 10)),
                created_at=self.now - datetime.timedelta(days=5),
            )


def _story_worker(company: Company, jobs: list, pipe, tmpdir: str) -> None:
    """In a forked process: generate each team's deals, wait for their offsets, write them as CSV."""
    try:
        for index, team, count in jobs:
            rows, ids = company.team_stories(index, team, count)
            pipe.send(("ids", index, ids))
            offsets = pipe.recv()
            files = []
            for key, table_rows in rows.items():
                if not table_rows:
                    continue
                table = company.w.tables[key]
                table.shift(table_rows, offsets)
                path = os.path.join(tmpdir, f"{index}-{table.db_table}.csv")
                with open(path, "w", newline="") as file:
                    table.write_csv(table_rows, file)
                files.append((key, path, len(table_rows)))
            pipe.send(("files", index, files))
        pipe.send(("done",))
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
