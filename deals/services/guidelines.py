"""Writes about the boss's guidelines: the rep asks, a manager gives them, from the same card as
the decision on the briefing (DESIGN.md, "One conversation per party").

Every write locks the deal's briefing first, then the guideline entry, like the decision on the
briefing, so a question, its answer and the approval never cross.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deals.access import can_ask_guidelines, can_give_guidelines
from deals.models import Approval, Briefing, Deal, Guideline, GuidelineStatus
from deals.selectors.consultations import consultation_default_due
from deals.services.activity import activity_record
from deals.services.briefings import active_delegation, briefing_decide, decision_makers, next_meeting_start
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import User
from teams.notifications import notify

QUESTIONS_MAX = 4000
GUIDELINES_MAX = 6000


def guidelines_url(deal: Deal) -> str:
    """Where the managers answer: the deal's guidelines page (their home card answers too)."""
    return reverse("deals:guidelines_give", args=[deal.pk])


def _briefing_url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#guidelines"


def _lock_briefing(deal: Deal) -> Briefing:
    return (
        Briefing.objects.select_for_update(of=("self",))
        .select_related("deal", "deal__team", "deal__owner", "deal__customer")
        .get(deal_id=deal.pk)
    )


def _refuse_closed(deal: Deal) -> None:
    if not deal.is_open:
        raise Invalid(
            f"This deal is {deal.get_status_display().lower()}: its guidelines can no longer change."
        )


def guidelines_ask(
    *,
    deal: Deal,
    by: User,
    questions: str,
    revision: int | None = None,
    due_at: datetime.datetime | None = None,
) -> Guideline:
    """Ask the team's managers for guidelines, before or after the limits exist.

    ``revision`` is that of the question waiting when the rep opened the form (None when none
    was): asking while a question waits changes it, and a question answered or changed since
    is refused rather than overwritten.
    """
    questions = (questions or "").strip()
    with transaction.atomic():
        briefing = _lock_briefing(deal)
        deal = briefing.deal
        if not can_ask_guidelines(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner asks for guidelines.")
        _refuse_closed(deal)
        if not questions:
            raise Invalid("Write what you would like guidelines on.", field="questions")
        if len(questions) > QUESTIONS_MAX:
            raise Invalid(f"Keep the questions under {QUESTIONS_MAX:,} characters.", field="questions")
        waiting = briefing.guidelines.select_for_update().filter(status=GuidelineStatus.ASKED).first()
        if waiting is None and revision is not None:
            answered = briefing.guidelines.order_by("-given_at", "-pk").first()
            who = answered.given_by if answered and answered.given_by else "A manager"
            raise Stale(
                f"{who} gave guidelines on your question while you were changing it. Yours was not "
                "sent: read the guidelines, then ask again if you still need to."
            )
        if waiting is not None and revision != waiting.revision:
            raise Stale(
                "Your question was changed in another window while you were editing it. Yours was not "
                "saved: compare it with the question now waiting, then save again."
            )
        managers = decision_makers(deal=deal)
        if not managers:
            raise Invalid(
                "Your team has no other manager who could give guidelines. Ask your administrator to add one."
            )
        now = timezone.now()
        due_at = due_at or consultation_default_due(deal=deal, now=now)
        again = waiting is not None
        guideline = waiting or Guideline(briefing=briefing, asked_by=by, created_at=now)
        guideline.version = briefing.version
        guideline.questions = questions
        guideline.asked_at = now
        guideline.due_at = due_at
        guideline.revision = (guideline.revision + 1) if again else 0
        guideline.save()
        activity_record(
            deal=deal,
            actor=by,
            verb="guidelines_reasked" if again else "guidelines_asked",
            summary="changed the question for the boss's guidelines"
            if again
            else "asked the managers for guidelines",
        )
        notify(
            recipients=managers,
            kind="guidelines_asked",
            context={"deal": deal, "guideline": guideline, "actor": by, "again": again, "due": due_at},
            url=guidelines_url(deal),
            team=deal.team,
        )
    return guideline


def _give(*, briefing: Briefing, by: User, guidelines: str, answering: Guideline | None) -> Guideline:
    """Record the guidelines inside the caller's transaction, with the briefing locked."""
    deal = briefing.deal
    if not can_give_guidelines(user=by, deal=deal):
        if deal.owner_id == by.pk:
            raise NotAllowed("You own this deal, so another manager gives its guidelines.")
        raise NotAllowed("Only another manager of the team gives the boss's guidelines.")
    _refuse_closed(deal)
    if not guidelines:
        raise Invalid("Write your guidelines for the negotiation.", field="guidelines")
    if len(guidelines) > GUIDELINES_MAX:
        raise Invalid(f"Keep the guidelines under {GUIDELINES_MAX:,} characters.", field="guidelines")
    now = timezone.now()
    if answering is not None:
        guideline = Guideline.objects.select_for_update().filter(pk=answering.pk, briefing=briefing).first()
        if guideline is None:
            raise Invalid("This question is no longer on the deal.")
        if guideline.is_given:
            raise Stale(
                f"{guideline.given_by or 'Another manager'} answered this question while you were writing. "
                "Your guidelines were not saved: read theirs, then add yours if they still help."
            )
        if guideline.is_waived:
            raise Invalid("This question was waived: no guidelines are needed on it any more.")
    else:
        # Guidelines nobody asked for: a new entry, beside any question still waiting.
        guideline = Guideline(briefing=briefing, version=briefing.version, created_at=now)
    delegation = active_delegation(team=deal.team, delegate=by)
    guideline.status = GuidelineStatus.GIVEN
    guideline.guidelines = guidelines
    guideline.given_by = by
    guideline.given_at = now
    guideline.on_behalf_of = delegation.manager if delegation else None
    guideline.revision += 1
    guideline.save()
    behalf = f" on behalf of {guideline.on_behalf_of}" if guideline.on_behalf_of else ""
    activity_record(
        deal=deal,
        actor=by,
        verb="guidelines_given",
        summary=f"gave guidelines{behalf}: {guidelines}",
    )
    notify(
        recipients=[deal.owner],
        kind="guidelines_given",
        context={
            "deal": deal,
            "guideline": guideline,
            "actor": by,
            "on_behalf_of": guideline.on_behalf_of,
            "due": next_meeting_start(deal=deal),
        },
        url=_briefing_url(deal),
        team=deal.team,
    )
    return guideline


def guidelines_give(
    *, deal: Deal, by: User, guidelines: str, answering: Guideline | None = None
) -> Guideline:
    """A manager gives guidelines: the answer to the question ``answering`` (refused when another
    manager answered it first), or, without one, guidelines nobody asked for."""
    with transaction.atomic():
        return _give(
            briefing=_lock_briefing(deal), by=by, guidelines=(guidelines or "").strip(), answering=answering
        )


def boss_decide(
    *,
    deal: Deal,
    by: User,
    approve: bool,
    comment: str = "",
    guidelines: str = "",
    answering: Guideline | None = None,
    version: int | None = None,
) -> tuple[Approval, Guideline | None]:
    """The manager's answer from the approval card, in one transaction: the guidelines (when
    written) and the decision on the submitted ``version`` they read. Either both are saved or
    neither."""
    guidelines = (guidelines or "").strip()
    with transaction.atomic():
        briefing = _lock_briefing(deal)
        given = None
        if guidelines:
            given = _give(briefing=briefing, by=by, guidelines=guidelines, answering=answering)
        approval = briefing_decide(
            briefing=briefing, by=by, approve=approve, comment=comment, version=version
        )
    return approval, given
