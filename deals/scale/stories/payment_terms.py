"""A deal's payment-term requests: within the policy and approved at once, or decided by finance."""

import datetime
from decimal import Decimal

from deals.domain.payment_policy import policy_breaches, terms_summary
from deals.scale.stories.base import StoryBase
from deals.scale.words.deals import CUSTOMER_REASONS


class PaymentTermsStory(StoryBase):
    """The payment-term requests; leaves ``granted`` (the terms finance granted, or None),
    ``pending_terms`` and ``finance_required``."""

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
