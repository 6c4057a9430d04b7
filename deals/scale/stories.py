"""One deal's story, from its creation to today: every row it leaves behind."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from deals.domain.payment_policy import policy_breaches, terms_summary
from deals.domain.report_check import ReportReferences, breach_labels, compare_with_references
from deals.domain.snapshot import LIMIT_FIELDS, LimitsSnapshot
from deals.formatting import money, pct
from deals.models import (
    FinancePolicy,
)
from deals.scale.words import (
    APPROACHES,
    BATNAS,
    BOSS_ANSWERS,
    CANCEL_REASONS,
    CONCESSIONS,
    CUSTOMER_REASONS,
    DEAL_KINDS,
    DEPARTMENT_ASK,
    DEPARTMENT_LABEL,
    DEPARTMENT_ROLE,
    FINANCE_ANSWERS,
    INTERESTS,
    LESSONS,
    NEXT_STEPS,
    OBJECTIONS,
    OBJECTIVES,
    ON_CALL_TOPICS,
    OUTCOME_LABEL,
    OUTCOME_STATUS,
    PITCHES,
    PRODUCTS,
    QUESTIONS,
    SPECIAL_REQUIREMENTS,
    STAGE_LABEL,
    STAGES,
    STATUS_LABEL,
    WAIVE_REASONS,
)


def _limits_snapshot(values: dict) -> dict:
    """The services' limits snapshot of a briefing holding these values (the others empty)."""
    return LimitsSnapshot.from_briefing(
        SimpleNamespace(**{name: values.get(name) for name in LIMIT_FIELDS})
    ).to_json()


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


# One deal, from its creation to today -----------------------------------------------------------

PHASES = [("preparing", 46), ("negotiating", 20), ("won", 18), ("lost", 12), ("withdrawn", 4)]
PREP_BRIEFINGS = [
    ("empty", 12),
    ("partial", 14),
    ("submitted", 20),
    ("changes_requested", 14),
    ("approved", 34),
    ("edited", 6),
]


# The deal's owner, as the actor of a timeline entry.
OWNER = object()


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


class DealStory:
    """One deal from its creation to today, written through the company's tables."""

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

    # The story --------------------------------------------------------------------------------

    def write(self) -> None:
        rng, now = self.rng, self.now
        self.phase = _pick(rng, PHASES)
        product, unit_price = rng.choice(PRODUCTS)
        self.unit_price = (Decimal(unit_price) * Decimal(rng.uniform(0.8, 1.25))).quantize(CENT)
        self.quantity = rng.choice([1, 5, 10, 20, 50, 120, 300, 450, 600, 800, 1500])
        self.currency = self.team.currency
        self.customer_id, self.customer_name, self.contacts = rng.choice(self.team.customers)
        kind = rng.choice(DEAL_KINDS)
        year = rng.choice([2026, 2027, 2027, 2028])
        self.title = f"{product.split(' ', 2)[0]} {product.split(' ', 2)[1]} {kind} {year}"
        self.involves_production = rng.random() < 0.45
        self.involves_delivery = rng.random() < 0.4
        self.special_payment_terms = rng.random() < 0.22

        self.plan_meetings()
        first_meeting = self.meetings[0].starts_at if self.meetings else now
        self.created_at = min(
            first_meeting - datetime.timedelta(days=rng.randint(3, 30), hours=rng.randint(0, 8)),
            now - datetime.timedelta(hours=2),
        )
        # The briefing rounds happen before the first meeting, or before today for a deal still preparing.
        self.prep_until = min(first_meeting, now) - datetime.timedelta(hours=1)
        if self.prep_until <= self.created_at:
            self.prep_until = self.created_at + datetime.timedelta(hours=1)

        # The deal and its briefing are written last; their ids are the next ones of their tables.
        self.deal_id = self.c.t_deal.next_id
        self.briefing_id = self.c.t_briefing.next_id
        for meeting in self.meetings:
            days = self.rng.randint(1, 5)  # drawn whether needed or not, see ``at``
            if meeting.cancelled and meeting.starts_at < self.created_at + datetime.timedelta(days=1):
                shift = self.created_at + datetime.timedelta(days=days) - meeting.starts_at
                meeting.starts_at += shift
                meeting.ends_at += shift
        self.status = self.phase if self.phase != "preparing" else "preparing"
        self.aim_ready = self.phase == "preparing" and rng.random() < 0.35
        self.activity(self.created_at, "deal_created", "created the deal")

        self.write_meetings()
        self.write_briefing()
        self.write_payment_terms()
        self.write_consultations()
        self.write_cover()
        self.write_reports()
        self.settle_status()
        self.write_deal()

    def plan_meetings(self) -> None:
        rng, now = self.rng, self.now
        phase = self.phase
        past, upcoming = 0, False
        if phase == "preparing":
            upcoming = rng.random() < 0.95
            past = 1 if rng.random() < 0.05 else 0  # a meeting held but not reported yet
        elif phase == "negotiating":
            past, upcoming = rng.randint(1, 2), rng.random() < 0.85
        elif phase in ("won", "lost"):
            past = rng.randint(1, 3)
        else:
            past = rng.randint(0, 2)
        if phase in ("won", "lost", "withdrawn"):
            last = now - datetime.timedelta(days=rng.randint(2, 500))
        else:
            last = now - datetime.timedelta(days=rng.randint(1, 40))
        starts = []
        moment = last
        for _ in range(past):
            starts.append(self.slot(moment))
            moment -= datetime.timedelta(days=rng.randint(5, 25))
        starts.reverse()
        if self.phase == "preparing" and past:
            # Held within the last day or two: the report is still due.
            starts = [self.slot(now - datetime.timedelta(days=rng.randint(1, 2)))]
        offset = 0 if phase == "preparing" else rng.choice([0, 0, 1])
        self.meetings: list[MeetingPlan] = []
        for index, start in enumerate(starts):
            stage = STAGES[min(index + offset, 2)]
            self.meetings.append(
                MeetingPlan(0, start, start + datetime.timedelta(hours=rng.choice([1, 2, 2, 3])), stage)
            )
        if upcoming:
            if rng.random() < 0.1:
                start = (now + datetime.timedelta(hours=rng.randint(3, 47))).replace(minute=0)
            else:
                start = self.slot(now + datetime.timedelta(days=rng.randint(2, 40)))
            stage = STAGES[min(len(starts) + offset, 2)]
            if phase == "preparing" and rng.random() < 0.2:
                stage = rng.choice(STAGES)
            self.meetings.append(
                MeetingPlan(0, start, start + datetime.timedelta(hours=rng.choice([1, 2, 2])), stage)
            )
        if rng.random() < 0.07:
            # A cancelled meeting, past or ahead.
            day = now + datetime.timedelta(days=rng.randint(-60, 20))
            start = self.slot(day)
            self.meetings.append(
                MeetingPlan(0, start, start + datetime.timedelta(hours=1), rng.choice(STAGES), cancelled=True)
            )
            self.meetings.sort(key=lambda m: m.starts_at)

    @property
    def next_meeting(self) -> MeetingPlan | None:
        upcoming = [m for m in self.meetings if m.is_upcoming(self.now)]
        return min(upcoming, key=lambda m: m.starts_at) if upcoming else None

    @property
    def held_meetings(self) -> list[MeetingPlan]:
        return [m for m in self.meetings if not m.cancelled and m.starts_at <= self.now]

    def write_meetings(self) -> None:
        rng, c = self.rng, self.c
        place = rng.random()
        for meeting in self.meetings:
            created = (
                self.created_at
                if meeting is self.meetings[0]
                else self.at(self.created_at, min(meeting.starts_at, self.now))
            )
            meeting.id = c.t_meeting.add(
                deal_id=self.deal_id,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                location=f"{self.customer_name}, head office" if place < 0.7 else "",
                video_link="" if place < 0.7 else f"https://meet.example/{rng.randint(10**6, 10**7)}",
                stage=meeting.stage,
                cancelled=meeting.cancelled,
                cancelled_reason=rng.choice(CANCEL_REASONS) if meeting.cancelled else "",
                created_at=created,
                updated_at=created,
            )
            attending = self.contacts if self.aim_ready else [k for k in self.contacts if rng.random() < 0.75]
            if not attending and self.contacts and (self.aim_ready or rng.random() < 0.8):
                attending = self.contacts[:1]
            meeting.contacts = attending
            for contact_id in attending:
                c.t_meeting_contact.add(meeting_id=meeting.id, contact_id=contact_id)
            label = STAGE_LABEL[meeting.stage].lower()
            article = "an" if label[0] in "aeiou" else "a"
            self.activity(
                created,
                "meeting_scheduled",
                f"scheduled {article} {label} meeting",
                changes={
                    "Start": {"old": None, "new": meeting.starts_at.isoformat()},
                    "End": {"old": None, "new": meeting.ends_at.isoformat()},
                },
            )
            if meeting.cancelled:
                when = min(meeting.starts_at - datetime.timedelta(hours=rng.randint(2, 48)), self.now)
                when = max(when, created)
                self.activity(when, "meeting_cancelled", f"cancelled the {label} meeting")
                colleagues = meeting.co_negotiators
                self.notify(
                    when,
                    colleagues,
                    "meeting_changed",
                    f"{self.title}: the {label} meeting was cancelled",
                    c.paths["deal"].format(self.deal_id),
                )

    # Briefing ---------------------------------------------------------------------------------

    def limits(self, *, round_: int = 0) -> dict:
        """The briefing's limits; earlier rounds asked for more room on price."""
        rng = self.rng
        list_price = self.unit_price
        target = (list_price * Decimal(1 - rng.uniform(0.03, 0.09))).quantize(CENT)
        walk_away = (target * Decimal(1 - rng.uniform(0.04, 0.1) - 0.03 * round_)).quantize(CENT)
        max_discount = ((1 - walk_away / list_price) * 100 + Decimal(rng.uniform(0, 2))).quantize(CENT)
        return {
            "currency": self.currency,
            "list_price": list_price,
            "target_price": target,
            "walk_away_price": walk_away,
            "max_discount_pct": min(max_discount, Decimal("99.00")),
            "quantity_min": max(1, int(self.quantity * 0.6)),
            "quantity_max": max(1, int(self.quantity * 1.3)),
            "earliest_delivery": (self.created_at + datetime.timedelta(days=rng.randint(30, 120))).date(),
            "payment_terms": f"{self.team.policy.standard_net_days} days net",
            "batna": rng.choice(BATNAS),
        }

    def content(self) -> dict:
        rng = self.rng
        return {
            "text": {
                "objectives": rng.choice(OBJECTIVES).format(years=rng.choice([2, 3, 5])),
                "approach": rng.choice(APPROACHES),
                "attendees_interests": rng.choice(INTERESTS),
            },
            "pitch_points": [
                {"feature": f, "benefit": b, "evidence": e}
                for f, b, e in rng.sample(PITCHES, rng.randint(1, 4))
            ],
            "objections": [
                {"objection": o, "answer": a} for o, a in rng.sample(OBJECTIONS, rng.randint(0, 3))
            ],
            "concessions": [{"give": g, "get": t} for g, t in rng.sample(CONCESSIONS, rng.randint(0, 3))],
        }

    def snapshot(self, text: dict, limits: dict, rows: dict) -> dict:
        return {
            "text": dict(text),
            "limits": _limits_snapshot(limits),
            **{name: list(rows[name]) for name in ("pitch_points", "objections", "concessions")},
        }

    def write_briefing(self) -> None:
        rng, c = self.rng, self.c
        if self.phase == "preparing":
            state = "approved" if self.aim_ready else _pick(rng, PREP_BRIEFINGS)
        else:
            state = rng.choices(["approved", "edited", "resubmitted", "empty"], weights=[84, 8, 4, 4])[0]
        self.briefing_state = state
        managers = self.others("manager")
        deciders = managers or self.team.members("manager")
        owner_name = self.name(self.owner)
        deal_url = c.paths["deal"].format(self.deal_id)
        next_start = self.next_meeting.starts_at if self.next_meeting else None

        rounds = 0
        if state in ("submitted", "changes_requested", "approved", "edited", "resubmitted"):
            rounds = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
        # Which rounds end how: every round but the last was returned.
        last_decision = {
            "submitted": None,
            "changes_requested": "changes_requested",
            "approved": "approved",
            "edited": "approved",
            "resubmitted": "approved",
        }.get(state)

        content = self.content()
        limits = self.limits()
        times = sorted(self.at(self.created_at, self.prep_until) for _ in range(2 * rounds + 3))
        version_ids = []
        self.approved = None  # (version number, limits snapshot)
        if state != "empty":
            self.activity(times[0], "briefing_saved", "saved the briefing (version 1)")
        for index in range(rounds):
            number = index + 1
            submitted_at, decided_at = times[1 + 2 * index], times[2 + 2 * index]
            round_limits = limits if index == rounds - 1 else self.limits(round_=rounds - 1 - index)
            snap = self.snapshot(content["text"], round_limits, content)
            version_id = c.t_version.add(
                briefing_id=self.briefing_id,
                number=number,
                snapshot=snap,
                submitted_by_id=self.owner,
                submitted_at=submitted_at,
            )
            version_ids.append(version_id)
            self.activity(
                submitted_at, "briefing_submitted", f"submitted briefing version {number} for approval"
            )
            due = f" by {self.when_text(next_start)}" if next_start else ""
            self.notify(
                submitted_at,
                deciders,
                "briefing_submitted",
                f"{owner_name} asks you to approve the briefing for {self.title}{due}",
                deal_url,
            )
            decision = "changes_requested" if index < rounds - 1 else last_decision
            if decision is None:
                continue
            manager = rng.choice(deciders)
            comment = (
                rng.choice(["Good plan, go ahead.", "Approved.", ""])
                if decision == "approved"
                else rng.choice(
                    [
                        "Walk-away price too low: stay above target minus 5 %.",
                        "Add the service package to the pitch.",
                    ]
                )
            )
            c.t_approval.add(
                version_id=version_id,
                decision=decision,
                manager_id=manager,
                on_behalf_of_id=None,
                comment=comment,
                snapshot={"limits": snap["limits"], "pitch_points": snap["pitch_points"]},
                decided_at=decided_at,
            )
            if decision == "approved":
                self.approved = (number, snap["limits"], version_id)
                self.activity(
                    decided_at, "briefing_approved", f"approved briefing version {number}", actor=manager
                )
                self.notify(
                    decided_at,
                    [self.owner],
                    "briefing_approved",
                    f"{self.name(manager)} approved your briefing for {self.title} (version {number})",
                    deal_url,
                )
            else:
                self.activity(
                    decided_at,
                    "briefing_returned",
                    f"returned briefing version {number}: {comment}",
                    actor=manager,
                )
                self.notify(
                    decided_at,
                    [self.owner],
                    "briefing_returned",
                    f"{self.name(manager)} returned your briefing for {self.title}: changes needed",
                    deal_url,
                )

        # The briefing as it is now.
        status = {
            "empty": "draft",
            "partial": "draft",
            "submitted": "submitted",
            "changes_requested": "changes_requested",
            "approved": "approved",
            "edited": "draft",
            "resubmitted": "submitted",
        }[state]
        version = max(1, rounds)
        if state == "changes_requested":
            version = rounds + 1
        current_limits = dict(limits)
        if state in ("edited", "resubmitted"):
            # The limits changed after approval: a new version that needs approval again.
            version = rounds + 1
            current_limits["walk_away_price"] = (limits["walk_away_price"] * Decimal("0.97")).quantize(CENT)
            current_limits["max_discount_pct"] = min(
                Decimal("99.00"), (limits["max_discount_pct"] + Decimal("3")).quantize(CENT)
            )
            when = times[-2]
            self.activity(
                when,
                "briefing_new_version",
                f"started briefing version {version}: approved limits or pitch points changed "
                "and need approval again",
            )
            old = LimitsSnapshot.from_json(_limits_snapshot(limits))
            new = LimitsSnapshot.from_json(_limits_snapshot(current_limits))
            summary = f"saved the briefing (version {version})"
            self.activity(when, "briefing_saved", summary, changes=new.changes_since(old))
            if state == "resubmitted":
                snap = self.snapshot(content["text"], current_limits, content)
                c.t_version.add(
                    briefing_id=self.briefing_id,
                    number=version,
                    snapshot=snap,
                    submitted_by_id=self.owner,
                    submitted_at=times[-1],
                )
                self.activity(
                    times[-1], "briefing_submitted", f"submitted briefing version {version} for approval"
                )
        text = content["text"]
        if state == "empty":
            current_limits = {"currency": self.currency}
            text = {"objectives": "", "approach": "", "attendees_interests": ""}
            content = {"pitch_points": [], "objections": [], "concessions": []}
        elif state == "partial":
            current_limits = {
                "currency": self.currency,
                "list_price": limits["list_price"],
                "target_price": limits["target_price"],
            }
            text = {**text, "approach": ""}
            content = {**content, "pitch_points": content["pitch_points"][:1], "concessions": []}
        self.current_limits = _limits_snapshot(current_limits)
        self.pitch_current = content["pitch_points"]
        self.briefing_fields = {**text, **current_limits}
        self.briefing_status = status
        self.briefing_version = version
        self.approved_version_id = self.approved[2] if self.approved else None
        self.briefing_rows = content
        self.briefing_updated = times[-1]
        self.approved_pitch = content["pitch_points"] if self.approved else None

    def write_briefing_rows(self) -> None:
        c = self.c
        fields = dict(self.briefing_fields)
        pk = c.t_briefing.add(
            deal_id=self.deal_id,
            version=self.briefing_version,
            status=self.briefing_status,
            revision=self.briefing_version * 3 + len(self.briefing_rows["pitch_points"]),
            approved_version_id=self.approved_version_id,
            updated_at=self.briefing_updated,
            updated_by_id=self.owner,
            **fields,
        )
        assert pk == self.briefing_id
        for order, row in enumerate(self.briefing_rows["pitch_points"]):
            c.t_pitch.add(briefing_id=self.briefing_id, order=order, **row)
        for order, row in enumerate(self.briefing_rows["objections"]):
            c.t_objection.add(briefing_id=self.briefing_id, order=order, **row)
        for order, row in enumerate(self.briefing_rows["concessions"]):
            c.t_concession.add(briefing_id=self.briefing_id, order=order, **row)

    # Payment terms ----------------------------------------------------------------------------

    def write_payment_terms(self) -> None:
        self.granted = None  # the terms finance granted (approved or countered)
        self.pending_terms = False
        self.finance_required = self.special_payment_terms
        if not self.special_payment_terms:
            return
        rng, c = self.rng, self.c
        policy = self.team.policy
        finance = self.others("finance") or self.team.members("finance")
        deal_url = c.paths["deal"].format(self.deal_id)
        requests = 2 if rng.random() < 0.12 else 1
        # In order: the terms in force are those of the latest decision.
        moments = sorted(self.at(self.created_at, self.prep_until) for _ in range(requests))
        for index in range(requests):
            last = index == requests - 1
            within = rng.random() < 0.35
            if within:
                net_days = rng.choice([policy.standard_net_days, max(0, policy.standard_net_days - 15)])
                deposit = policy.min_deposit_pct
                instalments = rng.randint(1, policy.max_instalments)
                discount = policy.early_payment_discount_allowed and rng.random() < 0.5
            else:
                net_days = policy.standard_net_days + rng.choice([15, 30, 45, 90])
                deposit = max(Decimal(0), policy.min_deposit_pct - rng.choice([0, 10]))
                instalments = rng.randint(1, policy.max_instalments + 2)
                discount = rng.random() < 0.4
            breaches = policy_breaches(
                policy=policy,
                net_days=net_days,
                deposit_pct=deposit,
                instalments=instalments,
                early_payment_discount=discount,
            )
            created = moments[index]
            if not breaches:
                status = "approved"
            elif self.phase == "preparing" and last and not self.aim_ready and rng.random() < 0.5:
                status = "submitted"
            elif last:
                status = rng.choices(["approved", "countered", "rejected"], weights=[45, 35, 20])[0]
            else:
                status = "rejected"
            reviewer = None if not breaches else rng.choice(finance)
            decided = (
                None
                if status == "submitted"
                else (
                    created
                    if not breaches
                    else min(created + datetime.timedelta(hours=rng.randint(2, 60)), self.now)
                )
            )
            counter = {}
            if status == "countered":
                counter = {
                    "counter_net_days": policy.max_net_days,
                    "counter_deposit_pct": policy.min_deposit_pct,
                    "counter_instalments": min(instalments, policy.max_instalments),
                    "counter_early_payment_discount": discount and policy.early_payment_discount_allowed,
                    "counter_conditions": "",
                }
            conditions = rng.choice(["", "", "2 % skonto within 10 days"])
            request_id = c.t_payment.add(
                deal_id=self.deal_id,
                requested_by_id=self.owner,
                net_days=net_days,
                deposit_pct=deposit,
                instalments=instalments,
                early_payment_discount=discount,
                other_conditions=conditions,
                customer_reason=rng.choice(CUSTOMER_REASONS),
                justification=rng.choice(
                    [
                        "Long-standing customer who always paid on time.",
                        "Opens the door to their second plant.",
                    ]
                )
                if breaches
                else "",
                outside_policy=bool(breaches),
                policy_breaches=breaches,
                auto_approved=not breaches,
                status=status,
                reviewer_id=reviewer,
                decision_note=""
                if not breaches or status == "submitted"
                else rng.choice(
                    ["Fine for this customer.", "Only with the deposit.", "Their payment record is poor."]
                ),
                decided_at=decided,
                created_at=created,
                **counter,
            )
            terms = terms_summary(
                net_days=net_days,
                deposit_pct=deposit,
                instalments=instalments,
                early_payment_discount=discount,
                conditions=conditions,
            )
            if not breaches:
                self.activity(
                    created,
                    "payment_terms_approved",
                    f"requested {terms}: within the finance policy, approved automatically",
                )
            else:
                self.activity(
                    created,
                    "payment_terms_requested",
                    f"asked finance for {terms} (outside policy: {'; '.join(breaches)})",
                )
                self.notify(
                    created,
                    finance,
                    "payment_request_submitted",
                    f"{self.name(self.owner)} asks you to decide on {terms} for {self.title}",
                    c.paths["payment"].format(request_id),
                )
                if status != "submitted":
                    self.activity(
                        decided, f"payment_terms_{status}", f"{status} the payment terms", actor=reviewer
                    )
                    self.notify(
                        decided,
                        [self.owner],
                        "payment_request_decided",
                        f"Finance {status} your payment terms for {self.title}",
                        deal_url,
                    )
            if status in ("approved", "countered"):
                self.granted = {
                    "net_days": counter.get("counter_net_days", net_days),
                    "deposit_pct": counter.get("counter_deposit_pct", deposit),
                    "instalments": counter.get("counter_instalments", instalments),
                }
            self.pending_terms = status == "submitted"

    # Consultations ----------------------------------------------------------------------------

    def write_consultations(self) -> None:
        rng, c = self.rng, self.c
        required = ["boss"]
        if self.involves_production:
            required.append("production")
        if self.involves_delivery:
            required.append("supply_chain")
        if self.finance_required:
            required.append("finance")
        optional = []
        if rng.random() < 0.05:
            optional = [d for d in ("production", "supply_chain", "finance") if d not in required][:1]
        self.unsettled = []
        self.commitments = {}
        deal_url = c.paths["deal"].format(self.deal_id) + "#consultations"
        meeting = self.next_meeting or (self.held_meetings[0] if self.held_meetings else None)
        for department in required + optional:
            is_required = department in required
            if self.aim_ready:
                status = rng.choices(["answered", "waived"], weights=[88, 12])[0]
            elif self.phase == "preparing":
                status = rng.choices(["open", "requested", "answered", "waived"], weights=[28, 37, 30, 5])[0]
            else:
                status = rng.choices(["open", "requested", "answered", "waived"], weights=[2, 3, 85, 10])[0]
            role = DEPARTMENT_ROLE[department]
            answerers = self.others(role) or self.team.members(role)
            values = {
                "questions": "",
                "assignee_id": None,
                "due_at": None,
                "requested_by_id": None,
                "requested_at": None,
            }
            created = self.created_at
            label = DEPARTMENT_LABEL[department].lower()
            if status != "open" and not (status == "waived" and rng.random() < 0.5):
                requested_at = self.at(self.created_at, self.prep_until)
                assignee = rng.choice(answerers) if rng.random() < 0.5 else None
                due = requested_at + datetime.timedelta(hours=rng.choice([24, 48, 72, 120]))
                if meeting is not None and meeting.starts_at > requested_at:
                    due = min(due, meeting.starts_at)
                values = {
                    "questions": QUESTIONS[department].format(
                        quantity=self.quantity,
                        date=(self.created_at + datetime.timedelta(days=60)).strftime("%d %b %Y"),
                    ),
                    "assignee_id": assignee,
                    "due_at": due,
                    "requested_by_id": self.owner,
                    "requested_at": requested_at,
                }
                asked = (
                    self.name(assignee)
                    if assignee
                    else ("the managers" if department == "boss" else f"the {label} queue")
                )
                self.activity(
                    requested_at,
                    "consultation_requested",
                    f"asked {asked} {DEPARTMENT_ASK[department]} ({label} consultation)",
                    changes={
                        "Asked": {"old": None, "new": asked},
                        "Due": {"old": None, "new": due.isoformat()},
                    },
                )
            answer = {}
            if status == "answered":
                answered_at = min(
                    values["requested_at"] + datetime.timedelta(hours=rng.randint(1, 40)), self.now
                )
                answered_by = values["assignee_id"] or rng.choice(answerers)
                if department in ("production", "supply_chain"):
                    can_fulfil = rng.choices(["yes", "partly", "no"], weights=[70, 22, 8])[0]
                    committed = None
                    if can_fulfil != "no":
                        committed = (answered_at + datetime.timedelta(days=rng.randint(20, 90))).date()
                        self.commitments[department] = committed
                    answer = {
                        "can_fulfil": can_fulfil,
                        "lead_time_days": rng.choice([7, 14, 21, 30, 45]),
                        "committed_date": committed,
                        "missing": ""
                        if can_fulfil == "yes"
                        else "Part of the material comes from the next batch.",
                        "extra_resources": rng.choice(["", "One extra shift for two weeks."]),
                        "support": rng.choice(["", "Joins a call on the details if needed."]),
                    }
                    summary = (
                        f"answered the {label} consultation — can fulfil: {can_fulfil}, "
                        f"{answer['lead_time_days']} days to mobilise"
                    )
                else:
                    answer = {"answer": rng.choice(BOSS_ANSWERS if department == "boss" else FINANCE_ANSWERS)}
                    summary = f"answered the {label} consultation"
                answer.update(answered_by_id=answered_by, answered_at=answered_at)
                self.activity(answered_at, "consultation_answered", summary, actor=answered_by)
                self.notify(
                    answered_at,
                    [self.owner],
                    "consultation_answered",
                    f"{self.name(answered_by)} answered your {label} consultation on {self.title}",
                    deal_url,
                )
            elif status == "waived":
                managers = self.others("manager")
                waived_by = rng.choice(managers)
                waived_at = self.at(self.created_at, self.prep_until)
                reason = rng.choice(WAIVE_REASONS)
                answer = {"waived_by_id": waived_by, "waived_at": waived_at, "waive_reason": reason}
                self.activity(
                    waived_at,
                    "consultation_waived",
                    f"waived the {label} consultation: {reason}",
                    actor=waived_by,
                )
            consultation_id = c.t_consultation.add(
                deal_id=self.deal_id,
                department=department,
                required=is_required,
                status=status,
                created_at=created,
                updated_at=answer.get("answered_at")
                or answer.get("waived_at")
                or values["requested_at"]
                or created,
                **values,
                **answer,
            )
            if status in ("requested", "answered") and values["requested_at"]:
                recipients = [values["assignee_id"]] if values["assignee_id"] else answerers
                audience = (
                    "you"
                    if values["assignee_id"]
                    else ("the managers" if department == "boss" else "your department")
                )
                self.notify(
                    values["requested_at"],
                    recipients,
                    "consultation_requested",
                    f"{self.title}: {self.name(self.owner)} asks {audience} {DEPARTMENT_ASK[department]}, "
                    f"by {self.when_text(values['due_at'])}",
                    c.paths["answer"].format(consultation_id),
                )
            if is_required and status in ("open", "requested"):
                self.unsettled.append(department)

    # On-call cover and co-negotiators ---------------------------------------------------------

    def write_cover(self) -> None:
        rng, c = self.rng, self.c
        deal_url = c.paths["deal"].format(self.deal_id)
        helpers = [m for role in ("production", "supply_chain", "finance") for m in self.team.members(role)]
        colleagues = [m for m in self.team.members("manager") + self.team.members("rep") if m != self.owner]
        for meeting in self.meetings:
            if meeting.cancelled:
                continue
            is_next = meeting is self.next_meeting
            want_cover = (self.aim_ready and is_next) or rng.random() < 0.3
            if want_cover and helpers:
                member = rng.choice(helpers)
                status = (
                    "accepted"
                    if (self.aim_ready and is_next)
                    else rng.choices(["accepted", "requested", "declined"], weights=[65, 25, 10])[0]
                )
                asked = self.at(self.created_at, min(meeting.starts_at, self.now))
                covers = status == "accepted" and (self.aim_ready or rng.random() < 0.9)
                start = (
                    meeting.starts_at - datetime.timedelta(minutes=30)
                    if covers
                    else meeting.starts_at + datetime.timedelta(minutes=30)
                )
                topic = rng.choice(ON_CALL_TOPICS)
                c.t_on_call.add(
                    meeting_id=meeting.id,
                    member_id=member,
                    topic=topic,
                    phone=self.c.phones.get(member, "+49 30 5550000"),
                    available_from=start,
                    available_to=meeting.ends_at + datetime.timedelta(minutes=30),
                    status=status,
                    requested_by_id=self.owner,
                    responded_at=None
                    if status == "requested"
                    else min(asked + datetime.timedelta(hours=3), self.now),
                    created_at=asked,
                )
                meeting.covered = covers
                self.activity(
                    asked,
                    "on_call_requested",
                    f"asked {self.name(member)} to be on call for {topic} during the {meeting.stage} meeting",
                )
                self.notify(
                    asked,
                    [member],
                    "on_call_requested",
                    f"{self.title}: {self.name(self.owner)} asks you to be on call for {topic} on "
                    f"{self.when_text(meeting.starts_at)}",
                    deal_url,
                )
            want_co = (
                meeting.stage == "final" and (self.aim_ready or rng.random() < 0.7) or rng.random() < 0.08
            )
            if want_co and colleagues:
                members = rng.sample(colleagues, min(len(colleagues), rng.choice([1, 1, 2])))
                for number, member in enumerate(members):
                    status = (
                        "accepted"
                        if (self.aim_ready and number == 0)
                        else rng.choices(["accepted", "requested", "declined"], weights=[70, 20, 10])[0]
                    )
                    asked = self.at(self.created_at, min(meeting.starts_at, self.now))
                    c.t_co_request.add(
                        meeting_id=meeting.id,
                        member_id=member,
                        status=status,
                        note=rng.choice(["", "You know their plant manager."]),
                        requested_by_id=self.owner,
                        responded_at=None
                        if status == "requested"
                        else min(asked + datetime.timedelta(hours=5), self.now),
                        created_at=asked,
                    )
                    self.activity(
                        asked,
                        "co_negotiator_requested",
                        f"asked {self.name(member)} to come along to the {meeting.stage} meeting",
                    )
                    self.notify(
                        asked,
                        [member],
                        "co_negotiator_requested",
                        f"{self.name(self.owner)} asks you to come along to the {meeting.stage} meeting with "
                        f"{self.customer_name} on {self.when_text(meeting.starts_at)}",
                        deal_url,
                    )
                    if status == "accepted":
                        meeting.co_negotiators.append(member)
                        c.t_meeting_co.add(meeting_id=meeting.id, user_id=member)

    # Reports ----------------------------------------------------------------------------------

    def write_reports(self) -> None:
        rng, c = self.rng, self.c
        held = self.held_meetings
        if self.phase == "preparing":
            return  # a deal still preparing has no report yet (its meeting, if any, was just held)
        if self.granted is not None:
            terms, source = self.granted, "finance approved"
        else:
            policy = self.team.policy
            terms = {
                "net_days": policy.standard_net_days,
                "deposit_pct": policy.min_deposit_pct,
                "instalments": policy.max_instalments,
            }
            source = "the finance policy allows"
        limits = self.approved[1] if self.approved else None
        approved = LimitsSnapshot.from_json(limits) if self.approved else None
        references = ReportReferences(
            currency=(approved.currency if approved else "") or self.currency,
            limits=approved,
            approved_version_number=self.approved[0] if self.approved else None,
            terms=terms,
            terms_source=source,
            terms_granted=self.granted is not None,
            commitments=dict(self.commitments),
        )
        self.status_from_reports = None
        managers = self.others("manager")
        for index, meeting in enumerate(held):
            last = index == len(held) - 1
            if self.phase in ("won", "lost") and last:
                outcome = self.phase
            elif self.phase == "withdrawn" and last and rng.random() < 0.5:
                continue  # withdrawn before the report
            else:
                outcome = rng.choices(["continue", "no_decision"], weights=[80, 20])[0]
            if not last and rng.random() < 0.04:
                continue  # never reported
            walk_away = (
                Decimal(limits["walk_away_price"])
                if limits and limits.get("walk_away_price")
                else self.unit_price * Decimal("0.9")
            )
            breach = rng.random() < 0.1
            price = (
                walk_away * Decimal(rng.uniform(0.9, 0.99) if breach else rng.uniform(1.0, 1.08))
            ).quantize(CENT)
            data = {
                "outcome": outcome,
                "agreed_price": price if outcome != "lost" or rng.random() < 0.3 else None,
                "discount_pct": ((1 - price / self.unit_price) * 100).quantize(CENT)
                if price < self.unit_price
                else Decimal("0.00"),
                "quantity": self.quantity,
                "delivery_date": None,
                "net_days": terms["net_days"]
                if not (breach and rng.random() < 0.3)
                else terms["net_days"] + 30,
                "deposit_pct": Decimal(terms["deposit_pct"]) if terms["deposit_pct"] is not None else None,
                "instalments": terms["instalments"],
            }
            if outcome == "lost":
                data.update(
                    discount_pct=None, quantity=None, net_days=None, deposit_pct=None, instalments=None
                )
            else:
                floors = list(self.commitments.values())
                if limits and limits.get("earliest_delivery"):
                    floors.append(datetime.date.fromisoformat(limits["earliest_delivery"]))
                if floors:
                    data["delivery_date"] = max(floors) + datetime.timedelta(days=rng.randint(0, 30))
            breaches = compare_with_references(references=references, data=data)
            filed = min(meeting.ends_at + datetime.timedelta(hours=rng.randint(1, 40)), self.now)
            corrected, note = [], ""
            if breaches and rng.random() < 0.1:
                corrected, breaches, note = (
                    breaches,
                    [],
                    "A typo in the price: the offer says the target price.",
                )
            report_id = c.t_report.add(
                meeting_id=meeting.id,
                filed_by_id=self.owner,
                payment_terms="",
                concessions_given=rng.choice(["", "Free installation"]),
                concessions_received=rng.choice(["", "A three-year term"]),
                next_steps=rng.choice(NEXT_STEPS),
                lessons=rng.choice(LESSONS),
                breaches=breaches,
                corrected_breaches=corrected,
                correction_note=note,
                ready_at_meeting=bool(self.approved) and rng.random() < 0.6,
                filed_at=filed,
                updated_at=filed,
                **data,
            )
            old_status = self.status_from_reports or "preparing"
            new_status = OUTCOME_STATUS[outcome]
            changes = {}
            if old_status != new_status:
                changes = {"Status": {"old": STATUS_LABEL[old_status], "new": STATUS_LABEL[new_status]}}
            self.status_from_reports = new_status
            local = meeting.starts_at.astimezone(c.tz)
            day = f"{local.day} {local:%b %Y}"
            parts = []
            if data["agreed_price"] is not None:
                parts.append(f"{money(data['agreed_price'])} {references.currency} per unit")
            if data["discount_pct"] is not None:
                parts.append(f"{pct(data['discount_pct'])} % discount")
            summary = OUTCOME_LABEL[outcome] + (f" — {', '.join(parts)}" if parts else "")
            self.activity(
                filed,
                "report_filed",
                f"filed the report on the {meeting.stage} meeting of {day}: {summary}",
                changes=changes,
            )
            url = c.paths["report"].format(report_id)
            if breaches or corrected:
                flagged = breaches or corrected
                self.activity(
                    filed,
                    "report_breaches",
                    "agreed beyond what was approved: " + "; ".join(b["message"] for b in flagged),
                )
                self.notify(
                    filed,
                    managers,
                    "report_breach",
                    f"Breach on {self.title}: {', '.join(breach_labels(flagged))} — review "
                    f"{self.name(self.owner)}'s report",
                    url,
                    topic=self.title,
                )
                if corrected:
                    self.activity(
                        filed,
                        "report_breaches",
                        "corrected the report: it no longer breaches what was approved",
                    )
            else:
                self.notify(
                    filed,
                    managers,
                    "report_filed",
                    f"{self.name(self.owner)} filed the report on {self.title}: "
                    f"{OUTCOME_LABEL[outcome].lower()}, "
                    "within the approved limits",
                    url,
                    email=False,
                    topic=self.title,
                )

    # Status -----------------------------------------------------------------------------------

    def settle_status(self) -> None:
        """The deal's status as the services would have left it."""
        self.updated_at = self.briefing_updated
        if self.phase == "preparing":
            meeting = self.next_meeting
            approved_current = (
                self.approved is not None
                and self.briefing_status == "approved"
                and bool(self.pitch_current)
                and self.approved[1] == self.current_limits
            )
            checks = [
                meeting is not None and bool(meeting.contacts),
                approved_current,
                not self.unsettled,
                not self.pending_terms,
                meeting is not None and meeting.covered,
                meeting is None or meeting.stage != "final" or bool(meeting.co_negotiators),
            ]
            if all(checks):
                self.status = "ready"
                when = self.at(self.briefing_updated, self.now)
                self.activity(
                    when,
                    "deal_readiness",
                    "The deal is ready for the next meeting: all 7 checks apply",
                    actor=None,
                    changes={"Status": {"old": "Preparing", "new": "Ready"}},
                )
                self.c.t_readiness.add(deal_id=self.deal_id, ready=True, at=when)
                self.updated_at = when
            else:
                self.status = "preparing"
        elif self.phase == "withdrawn":
            self.status = "withdrawn"
            when = self.at(self.created_at, self.now)
            self.activity(
                when,
                "deal_updated",
                "updated the deal",
                changes={"Status": {"old": "Negotiating", "new": "Withdrawn"}},
            )
            self.updated_at = when
        elif self.phase in ("won", "lost") and self.status_from_reports != self.phase:
            self.status = self.phase  # closed by hand: the last report is missing
        else:
            self.status = self.phase

    def write_deal(self) -> None:
        rng, c = self.rng, self.c
        pk = c.t_deal.add(
            team_id=self.team.id,
            owner_id=self.owner,
            customer_id=self.customer_id,
            title=self.title,
            scope=f"{self.quantity} × {self.title.rsplit(' ', 1)[0]} with service package",
            quantity=self.quantity,
            requested_delivery_date=(self.created_at + datetime.timedelta(days=rng.randint(40, 200))).date()
            if rng.random() < 0.7
            else None,
            special_requirements=rng.choice(SPECIAL_REQUIREMENTS),
            estimated_value=(self.unit_price * self.quantity).quantize(CENT),
            currency=self.currency,
            involves_production=self.involves_production,
            involves_delivery=self.involves_delivery,
            special_payment_terms=self.special_payment_terms,
            status=self.status,
            created_at=self.created_at,
            updated_at=max(self.updated_at, self.created_at),
        )
        assert pk == self.deal_id
        self.write_briefing_rows()
