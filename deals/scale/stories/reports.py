"""A deal's reports on its held meetings: the terms agreed, their breaches, and the status they leave."""

import datetime
from decimal import Decimal

from deals.domain.report_check import ReportReferences, breach_labels, compare_with_references
from deals.domain.snapshot import LimitsSnapshot
from deals.formatting import money, pct
from deals.scale.stories.base import CENT, StoryBase
from deals.scale.words.reports import LESSONS, NEXT_STEPS, OUTCOME_LABEL, OUTCOME_STATUS, STATUS_LABEL


class ReportsStory(StoryBase):
    """The reports on held meetings; leaves ``status_from_reports``, the status the last report set."""

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
