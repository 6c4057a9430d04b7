"""The finance policy's rules for payment terms, as functions of values: no queries, no writes.

The request and decision forms and the payments service all ask these, so the rep and finance read
the same words whether a form or the service refuses. Problems are keyed by the field they concern
(the service's argument names, which the forms share).
"""

from decimal import Decimal

from deals.formatting import pct
from deals.models import Briefing, FinancePolicy, PaymentTermRequest, PaymentTermStatus

# Bounds on any terms whatever the team's policy says: beyond them a number is a
# typo, not a negotiating position, and must never reach finance.
MAX_NET_DAYS = 365
MAX_INSTALMENTS = 60


def _checks(*, policy: FinancePolicy, net_days, deposit_pct, instalments, early_payment_discount):
    """(field, reason) for every term outside the policy; exactly at a limit is within."""
    if net_days > policy.max_net_days:
        yield (
            "net_days",
            f"{net_days} net days exceed the standard {policy.standard_net_days} "
            f"and the most finance may grant ({policy.max_net_days})",
        )
    elif net_days > policy.standard_net_days:
        yield "net_days", f"{net_days} net days exceed the standard {policy.standard_net_days}"
    if deposit_pct < policy.min_deposit_pct:
        yield (
            "deposit_pct",
            f"deposit {pct(deposit_pct)} % is below the minimum {pct(policy.min_deposit_pct)} %",
        )
    if instalments > policy.max_instalments:
        yield "instalments", f"{instalments} instalments exceed the maximum {policy.max_instalments}"
    if early_payment_discount and not policy.early_payment_discount_allowed:
        yield "early_payment_discount", "early-payment discount is not allowed"


def policy_breaches(
    *,
    policy: FinancePolicy,
    net_days: int,
    deposit_pct: Decimal,
    instalments: int,
    early_payment_discount: bool,
) -> list[str]:
    """Why the terms are outside the policy, one reason per term; empty when they are within."""
    return [
        reason
        for _, reason in _checks(
            policy=policy,
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
        )
    ]


def breached_fields(
    *,
    policy: FinancePolicy,
    net_days: int,
    deposit_pct: Decimal,
    instalments: int,
    early_payment_discount: bool,
) -> set[str]:
    """The names of the terms outside the policy, for highlighting them."""
    return {
        name
        for name, _ in _checks(
            policy=policy,
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
        )
    }


def justification_problem(*, breaches: list[str], justification: str) -> str:
    """Why a request needs a justification for finance, or "" when it has one or needs none."""
    if breaches and not (justification or "").strip():
        return "Required: these terms are outside the finance policy (" + "; ".join(breaches) + ")."
    return ""


def _deposit_within_bounds(value) -> bool:
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and Decimal("0") <= value <= Decimal("100")
        and value == value.quantize(Decimal("0.01"))
    )


_BOUNDS = {
    "net_days": (
        lambda value: value is not None and 0 <= value <= MAX_NET_DAYS,
        f"Net days must be between 0 and {MAX_NET_DAYS}.",
    ),
    "deposit_pct": (
        _deposit_within_bounds,
        "The deposit must be between 0 and 100 %, with at most two decimals.",
    ),
    "instalments": (
        lambda value: value is not None and 1 <= value <= MAX_INSTALMENTS,
        f"Instalments must be between 1 and {MAX_INSTALMENTS}.",
    ),
}


def bounds_problems(*, prefix: str = "", **terms) -> dict[str, str]:
    """The given terms (``net_days``, ``deposit_pct``, ``instalments``) that are missing or beyond
    any sensible bound, keyed by ``prefix`` and the term's name."""
    problems = {}
    for name, value in terms.items():
        within, message = _BOUNDS[name]
        if not within(value):
            problems[prefix + name] = message
    return problems


def exceeds_grant(*, policy: FinancePolicy, net_days: int) -> bool:
    """More net days than finance may grant at all: only a counter-offer or a rejection is possible."""
    return net_days > policy.max_net_days


def approval_problem(*, policy: FinancePolicy, net_days: int) -> str:
    """Why finance may not approve the requested net days as they are, or ""."""
    if exceeds_grant(policy=policy, net_days=net_days):
        return (
            f"{net_days} net days exceed the most finance may grant ({policy.max_net_days}). "
            f"Counter with {policy.max_net_days} days or fewer, or reject the request."
        )
    return ""


def counter_problems(
    *,
    policy: FinancePolicy,
    net_days: int | None,
    deposit_pct: Decimal | None = None,
    instalments: int | None = None,
    early_payment_discount: bool | None = None,
    deposit_as_requested: bool = False,
    instalments_as_requested: bool = False,
) -> dict[str, str]:
    """What breaks finance's counter-offer, keyed by the decision's ``counter_*`` field; empty when
    it keeps to the policy's limits on net days, deposit, instalments and the early-payment discount.

    A term beyond any sensible bound gets only that message. Terms other than the net days are not
    checked when ``None``. A deposit or instalments ``*_as_requested`` were taken over from the rep's
    request, and the message says so.
    """
    given = {"net_days": net_days, "deposit_pct": deposit_pct, "instalments": instalments}
    problems = bounds_problems(prefix="counter_", **{name: v for name, v in given.items() if v is not None})
    if net_days is None:
        problems["counter_net_days"] = "A counter-offer needs at least the net days finance grants."
    elif "counter_net_days" not in problems and exceeds_grant(policy=policy, net_days=net_days):
        problems["counter_net_days"] = (
            f"{net_days} net days exceed the most finance may grant ({policy.max_net_days})."
        )
    if (
        deposit_pct is not None
        and "counter_deposit_pct" not in problems
        and deposit_pct < policy.min_deposit_pct
    ):
        requested = " (as requested)" if deposit_as_requested else ""
        minimum = pct(policy.min_deposit_pct)
        problems["counter_deposit_pct"] = (
            f"A deposit of {pct(deposit_pct)} %{requested} is below the policy's minimum deposit of "
            f"{minimum} %. Counter with a deposit of at least {minimum} %."
        )
    if (
        instalments is not None
        and "counter_instalments" not in problems
        and instalments > policy.max_instalments
    ):
        requested = " (as requested)" if instalments_as_requested else ""
        maximum = policy.max_instalments
        problems["counter_instalments"] = (
            f"{instalments} instalments{requested} exceed the policy's maximum of {maximum} instalments. "
            f"Counter with {maximum} or fewer."
        )
    if early_payment_discount and not policy.early_payment_discount_allowed:
        problems["counter_early_payment_discount"] = (
            "The policy allows no early-payment discount: leave it out of the counter-offer."
        )
    return problems


_PAYMENT_TERMS_MAX = Briefing._meta.get_field("payment_terms").max_length


def terms_summary(
    *, net_days: int, deposit_pct, instalments: int, early_payment_discount: bool, conditions: str = ""
) -> str:
    """The terms in one line: "60 days net, 20 % deposit, 2 instalments; early-payment discount"."""
    parts = [f"{net_days} days net"]
    parts.append(f"{pct(deposit_pct)} % deposit" if deposit_pct else "no deposit")
    if instalments > 1:
        parts.append(f"{instalments} instalments")
    text = ", ".join(parts)
    if early_payment_discount:
        text += "; early-payment discount"
    if conditions := " ".join((conditions or "").split()):
        text += f"; {conditions}"
    return text


def granted_terms(request: PaymentTermRequest) -> dict:
    """The terms finance granted: the counter terms of a counter-offer, else the requested ones."""
    countered = request.status == PaymentTermStatus.COUNTERED
    return {
        "net_days": request.counter_net_days if countered else request.net_days,
        "deposit_pct": request.counter_deposit_pct if countered else request.deposit_pct,
        "instalments": request.counter_instalments if countered else request.instalments,
        "early_payment_discount": request.counter_early_payment_discount
        if countered and request.counter_early_payment_discount is not None
        else request.early_payment_discount,
        "conditions": request.counter_conditions if countered else request.other_conditions,
    }


def briefing_payment_terms(request: PaymentTermRequest) -> str:
    """What the briefing's payment-terms limit says once finance's decision (or the policy) granted terms."""
    if request.auto_approved:
        source = "within the finance policy (approved automatically)"
    else:
        verb = "countered" if request.status == PaymentTermStatus.COUNTERED else "approved"
        source = f"{verb} by finance ({request.reviewer})"
    suffix = f" — {source}"
    terms = terms_summary(**granted_terms(request))
    room = _PAYMENT_TERMS_MAX - len(suffix)
    if len(terms) > room:
        terms = terms[: room - 1].rstrip() + "…"
    return terms + suffix
