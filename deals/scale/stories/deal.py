"""One deal's story, from its creation to today: the deal itself, each part in turn, and its status."""

import datetime
from decimal import Decimal

from deals.scale.stories.base import CENT, pick
from deals.scale.stories.briefing import BriefingStory
from deals.scale.stories.consultations import ConsultationsStory
from deals.scale.stories.cover import CoverStory
from deals.scale.stories.meetings import MeetingsStory
from deals.scale.stories.payment_terms import PaymentTermsStory
from deals.scale.stories.reports import ReportsStory
from deals.scale.words.deals import DEAL_KINDS, PRODUCTS, SPECIAL_REQUIREMENTS

PHASES = [("preparing", 46), ("negotiating", 20), ("won", 18), ("lost", 12), ("withdrawn", 4)]


class DealStory(
    MeetingsStory, BriefingStory, PaymentTermsStory, ConsultationsStory, CoverStory, ReportsStory
):
    """One deal from its creation to today, written through the company's tables.

    ``write`` draws the deal, then each part in the order of the story: meetings,
    briefing, payment terms, consultations, cover, reports; each part's rows are
    written by its own class. The order of the draws is the data: changing it
    changes every deal after it.
    """

    def write(self) -> None:
        rng, now = self.rng, self.now
        self.phase = pick(rng, PHASES)
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
