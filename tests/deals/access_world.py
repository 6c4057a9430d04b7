"""A random world of teams, people and deals for the access tests, and the access rules written
out plainly over its rows (DESIGN.md, "Who sees what"), to compare ``deals.access`` with."""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from deals.models import (
    DEPARTMENT_ROLES,
    CoNegotiatorStatus,
    ConsultationStatus,
    Department,
    OnCallStatus,
    PaymentTermStatus,
)
from teams.models import Role, User
from tests.factories import (
    CoNegotiatorRequestFactory,
    ConsultationFactory,
    CustomerFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    OnCallFactory,
    PaymentTermRequestFactory,
    TeamFactory,
    UserFactory,
)


@dataclass
class Rows:
    """What the reference rules read: plain tuples, no ORM."""

    memberships: set = field(default_factory=set)  # (user_id, team_id, role)
    deals: dict = field(default_factory=dict)  # deal_id -> (team_id, owner_id)
    consultations: list = field(default_factory=list)  # (id, deal_id, department, status, assignee_id)
    payment_deals: set = field(default_factory=set)  # deal ids with a payment-term request
    co_negotiators: set = field(default_factory=set)  # (deal_id, user_id)
    on_calls: list = field(default_factory=list)  # (deal_id, user_id, status)
    co_negotiator_requests: list = field(default_factory=list)  # (deal_id, user_id, status)
    meetings: dict = field(default_factory=dict)  # meeting_id -> deal_id
    payment_requests: dict = field(default_factory=dict)  # request_id -> deal_id


def build_world(seed: int, *, teams: int = 3, users: int = 12, deals: int = 30) -> tuple[list[User], Rows]:
    """Teams, users with random role sets (several teams and roles each), and deals with
    consultations in every status to people and queues, payment requests, meetings with
    co-negotiators, on-call cover and co-negotiator requests in every status."""
    rng = random.Random(seed)
    now = timezone.now()
    rows = Rows()
    team_objs = [TeamFactory(name=f"Team {seed}-{n}") for n in range(teams)]
    people = [UserFactory(username=f"u{seed}_{n}") for n in range(users)]
    for person in people:
        for team in team_objs:
            if rng.random() < 0.5:
                for role in rng.sample(Role.values, rng.randint(1, 3)):
                    MembershipFactory(user=person, team=team, role=role)
                    rows.memberships.add((person.pk, team.pk, role))
    customers = {team.pk: CustomerFactory(team=team, name=f"Customer {team.pk}") for team in team_objs}
    for n in range(deals):
        team = rng.choice(team_objs)
        deal = DealFactory(
            team=team,
            owner=rng.choice(people),
            customer=customers[team.pk],
            title=f"Deal {n}",
            scope="valves",
            estimated_value=Decimal("1000"),
        )
        rows.deals[deal.pk] = (team.pk, deal.owner_id)
        for _ in range(rng.randint(0, 3)):
            consultation = ConsultationFactory(
                deal=deal,
                department=rng.choice(Department.values),
                status=rng.choice(ConsultationStatus.values),
                assignee=rng.choice(people) if rng.random() < 0.4 else None,
            )
            rows.consultations.append(
                (
                    consultation.pk,
                    deal.pk,
                    consultation.department,
                    consultation.status,
                    consultation.assignee_id,
                )
            )
        if rng.random() < 0.3:
            request = PaymentTermRequestFactory(
                deal=deal,
                requested_by=rng.choice(people),
                net_days=60,
                customer_reason="cash flow",
                status=rng.choice(PaymentTermStatus.values),
            )
            rows.payment_deals.add(deal.pk)
            rows.payment_requests[request.pk] = deal.pk
        for _ in range(rng.randint(0, 2)):
            starts = now + timedelta(days=rng.randint(-10, 10))
            meeting = MeetingFactory(
                deal=deal, starts_at=starts, ends_at=starts + timedelta(hours=1), cancelled=rng.random() < 0.2
            )
            rows.meetings[meeting.pk] = deal.pk
            for person in rng.sample(people, rng.choice([0, 0, 1, 2])):
                meeting.co_negotiators.add(person)
                rows.co_negotiators.add((deal.pk, person.pk))
            if rng.random() < 0.4:
                on_call = OnCallFactory(
                    meeting=meeting,
                    member=rng.choice(people),
                    topic="specs",
                    phone="+49 30 1234567",
                    available_from=meeting.starts_at,
                    available_to=meeting.ends_at,
                    status=rng.choice(OnCallStatus.values),
                )
                rows.on_calls.append((deal.pk, on_call.member_id, on_call.status))
            if rng.random() < 0.4:
                asked = CoNegotiatorRequestFactory(
                    meeting=meeting, member=rng.choice(people), status=rng.choice(CoNegotiatorStatus.values)
                )
                rows.co_negotiator_requests.append((deal.pk, asked.member_id, asked.status))
    return people, rows


# The rules, plainly ---------------------------------------------------------------------


def teams_with(rows: Rows, user_id: int, role: str) -> set[int]:
    return {team for user, team, held in rows.memberships if user == user_id and held == role}


def roles_in(rows: Rows, user_id: int, team_id: int) -> set[str]:
    return {held for user, team, held in rows.memberships if user == user_id and team == team_id}


def may_see(rows: Rows, user_id: int, deal_id: int) -> bool:
    team, owner = rows.deals[deal_id]
    roles = roles_in(rows, user_id, team)
    if not roles:
        return False  # nobody sees anything of a team they are not in
    if Role.MANAGER in roles:
        return True
    if owner == user_id and Role.REP in roles:
        return True
    if Role.FINANCE in roles and deal_id in rows.payment_deals:
        return True
    for _, deal, department, status, assignee in rows.consultations:
        if deal != deal_id or status == ConsultationStatus.OPEN:
            continue
        if assignee == user_id:
            return True
        if assignee is None and DEPARTMENT_ROLES[department] in roles:
            return True
    if (deal_id, user_id) in rows.co_negotiators:
        return True
    asked = rows.on_calls + rows.co_negotiator_requests
    return any(deal == deal_id and member == user_id for deal, member, _ in asked)


def may_edit(rows: Rows, user_id: int, deal_id: int) -> bool:
    team, owner = rows.deals[deal_id]
    return owner == user_id and Role.REP in roles_in(rows, user_id, team)


def sees_all_of(rows: Rows, user_id: int, deal_id: int) -> bool:
    team, owner = rows.deals[deal_id]
    if owner == user_id or Role.MANAGER in roles_in(rows, user_id, team):
        return True
    if (deal_id, user_id) in rows.co_negotiators:
        return True
    return any(
        deal == deal_id and member == user_id and status != OnCallStatus.DECLINED
        for deal, member, status in rows.on_calls
    ) or any(
        deal == deal_id and member == user_id and status != CoNegotiatorStatus.DECLINED
        for deal, member, status in rows.co_negotiator_requests
    )


def another_manager(rows: Rows, user_id: int, deal_id: int) -> bool:
    team, owner = rows.deals[deal_id]
    return owner != user_id and Role.MANAGER in roles_in(rows, user_id, team)


def may_answer(rows: Rows, user_id: int, consultation: tuple) -> bool:
    _, deal_id, department, _, assignee = consultation
    team, owner = rows.deals[deal_id]
    if DEPARTMENT_ROLES[department] not in roles_in(rows, user_id, team):
        return False
    return assignee is None or assignee == user_id
