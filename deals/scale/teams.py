"""The company's teams: the demo teams as they are and the new ones, their people, policies and customers."""

import datetime
import math
from decimal import Decimal

from deals.models import Customer, FinancePolicy
from deals.scale.plan import DEALS_PER_REP, MARK, NORTHWIND, SOUTHPEAK, ScaleSeedError
from deals.scale.stories import TeamSet
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
from teams.models import Membership, Team


class CompanyTeams:
    """Draws the teams, their people and customers from the company's generator, in one process.

    Part of ``Company``: uses its generator, tables, clock and the names, phones
    and time zones it keeps for the deals.
    """

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
