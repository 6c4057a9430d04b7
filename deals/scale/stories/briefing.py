"""A deal's briefing: its rounds of submission and approval, its versions, and what it holds now."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from deals.domain.snapshot import LIMIT_FIELDS, LimitsSnapshot
from deals.scale.stories.base import CENT, StoryBase, pick
from deals.scale.words.briefing import (
    APPROACHES,
    BATNAS,
    CONCESSIONS,
    INTERESTS,
    OBJECTIONS,
    OBJECTIVES,
    PITCHES,
)

PREP_BRIEFINGS = [
    ("empty", 12),
    ("partial", 14),
    ("submitted", 20),
    ("changes_requested", 14),
    ("approved", 34),
    ("edited", 6),
]


def limits_snapshot(values: dict) -> dict:
    """The services' limits snapshot of a briefing holding these values (the others empty)."""
    return LimitsSnapshot.from_briefing(
        SimpleNamespace(**{name: values.get(name) for name in LIMIT_FIELDS})
    ).to_json()


class BriefingStory(StoryBase):
    """The briefing's rounds, versions and approvals; its rows are written after the deal.

    Leaves for the other parts: ``approved`` (version number, limits snapshot,
    version id) or None, ``current_limits``, ``pitch_current``,
    ``briefing_status`` and ``briefing_updated``.
    """

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
            "limits": limits_snapshot(limits),
            **{name: list(rows[name]) for name in ("pitch_points", "objections", "concessions")},
        }

    def write_briefing(self) -> None:
        rng, c = self.rng, self.c
        if self.phase == "preparing":
            state = "approved" if self.aim_ready else pick(rng, PREP_BRIEFINGS)
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
            old = LimitsSnapshot.from_json(limits_snapshot(limits))
            new = LimitsSnapshot.from_json(limits_snapshot(current_limits))
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
        self.current_limits = limits_snapshot(current_limits)
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
