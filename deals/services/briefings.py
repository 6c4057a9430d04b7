"""Writes about briefings: saving drafts, submitting, deciding, delegating."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from deals.access import can_edit_deal, is_manager
from deals.domain.snapshot import (
    CONCESSION_FIELDS,
    LIMIT_FIELDS,
    OBJECTION_FIELDS,
    PITCH_FIELDS,
    TEXT_FIELDS,
    BriefingSnapshot,
    LimitsSnapshot,
    pitch_points_of,
)
from deals.models import (
    Approval,
    ApprovalDecision,
    ApprovalDelegation,
    Briefing,
    BriefingStatus,
    BriefingVersion,
    Concession,
    Meeting,
    Objection,
    PitchPoint,
    field_label,
)
from deals.services.activity import activity_record
from deals.services.readiness import readiness_refresh
from deals.services.webhooks import webhook_emit
from negprep.errors import Invalid, NotAllowed, Stale
from negprep.versioning import mark_saved, refuse_stale
from teams.models import Role, Team, User
from teams.notifications import notify
from teams.selectors import members_with_role

EDITABLE_FIELDS = TEXT_FIELDS + LIMIT_FIELDS


def _replace_rows(model, briefing, rows: list[dict], fields: list[str]) -> None:
    model.objects.filter(briefing=briefing).delete()
    model.objects.bulk_create(
        [
            model(briefing=briefing, order=index, **{name: row.get(name, "") for name in fields})
            for index, row in enumerate(rows)
        ]
    )


def _lock(briefing: Briefing) -> Briefing:
    return (
        Briefing.objects.select_for_update()
        .select_related("deal", "deal__team", "deal__owner", "deal__customer")
        .get(pk=briefing.pk)
    )


def briefing_save(
    *,
    briefing: Briefing,
    by: User,
    revision: int,
    fields: dict,
    pitch_points: list[dict],
    objections: list[dict],
    concessions: list[dict],
) -> Briefing:
    """Save the editor's content as it is (drafts may be incomplete).

    Refused when someone saved after ``revision`` was loaded. Changing the
    limits or pitch points of an approved briefing starts a new version.
    """
    with transaction.atomic():
        current = _lock(briefing)
        deal = current.deal
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner edits its briefing.")
        refuse_stale(current, revision, what="this briefing")
        if current.status == BriefingStatus.SUBMITTED:
            raise Invalid("The briefing is waiting for approval and cannot be changed now.")

        limits_before = LimitsSnapshot.from_briefing(current)
        pitch_before = pitch_points_of(current.pitch_points.all())
        for name in EDITABLE_FIELDS:
            if name in fields:
                setattr(current, name, fields[name])
        _replace_rows(PitchPoint, current, pitch_points, PITCH_FIELDS)
        _replace_rows(Objection, current, objections, OBJECTION_FIELDS)
        _replace_rows(Concession, current, concessions, CONCESSION_FIELDS)
        limits_after = LimitsSnapshot.from_briefing(current)
        pitch_after = pitch_points_of(current.pitch_points.all())

        approval_relevant = limits_before != limits_after or pitch_before != pitch_after
        if current.status == BriefingStatus.APPROVED and approval_relevant:
            current.version += 1
            current.status = BriefingStatus.DRAFT
            activity_record(
                deal=deal,
                actor=by,
                verb="briefing_new_version",
                summary=f"started briefing version {current.version}: approved limits or "
                "pitch points changed and need approval again",
            )
        current.revision += 1
        current.updated_by = by
        current.save()
        changes = limits_after.changes_since(limits_before)
        if pitch_before != pitch_after:
            changes["Pitch points"] = {
                "old": "; ".join(p["feature"] for p in pitch_before) or None,
                "new": "; ".join(p["feature"] for p in pitch_after) or None,
            }
        activity_record(
            deal=deal,
            actor=by,
            verb="briefing_saved",
            summary=f"saved the briefing (version {current.version})",
            changes=changes,
        )
        readiness_refresh(deal=deal)
    return current


def submission_problems(briefing: Briefing) -> list[str]:
    """What must be filled in before a briefing can be submitted."""
    problems = []
    if not briefing.objectives.strip():
        problems.append("objectives")
    for name in ("list_price", "target_price", "walk_away_price", "max_discount_pct"):
        if getattr(briefing, name) is None:
            problems.append(field_label(Briefing, name).lower())
    if not briefing.pitch_points.exists():
        problems.append("at least one pitch point")
    return problems


def decision_makers(*, deal) -> list[User]:
    """Managers of the deal's team who may decide on its briefing (never its owner)."""
    return [m for m in members_with_role(team=deal.team, role=Role.MANAGER) if m.pk != deal.owner_id]


def briefing_submit(*, briefing: Briefing, by: User) -> BriefingVersion:
    with transaction.atomic():
        current = _lock(briefing)
        deal = current.deal
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner submits its briefing.")
        if current.status not in (BriefingStatus.DRAFT, BriefingStatus.CHANGES_REQUESTED):
            raise Invalid(
                f"This briefing is {current.get_status_display().lower()}; there is nothing to submit."
            )
        problems = submission_problems(current)
        if problems:
            raise Invalid("Fill in before submitting: " + ", ".join(problems) + ".")
        managers = decision_makers(deal=deal)
        if not managers:
            raise Invalid(
                "Your team has no other manager who could approve this briefing. "
                "Ask your administrator to add one."
            )
        version = BriefingVersion.objects.create(
            briefing=current,
            number=current.version,
            snapshot=BriefingSnapshot.from_briefing(current).to_json(),
            submitted_by=by,
            submitted_at=timezone.now(),
        )
        current.status = BriefingStatus.SUBMITTED
        current.revision += 1
        current.updated_by = by
        current.save()
        activity_record(
            deal=deal,
            actor=by,
            verb="briefing_submitted",
            summary=f"submitted briefing version {version.number} for approval",
        )
        notify(
            recipients=managers,
            kind="briefing_submitted",
            context={
                "deal": deal,
                "briefing": current,
                "actor": by,
                "version_number": version.number,
                "due": next_meeting_start(deal=deal),
            },
            url=deal_url(deal),
            team=deal.team,
        )
        webhook_emit(type="briefing.submitted", deal=deal, data={"briefing": _briefing_data(current)})
    return version


def _briefing_data(briefing: Briefing) -> dict:
    return {"id": briefing.pk, "status": briefing.status, "version": briefing.version}


def next_meeting_start(*, deal) -> datetime.datetime | None:
    """When the deal's next meeting (``MeetingQuerySet.upcoming``) starts: what a decision is needed
    by. While that meeting is under way, the time has passed: the decision is late."""
    meeting = Meeting.objects.next_for_deal(deal)
    return meeting.starts_at if meeting else None


def deal_url(deal) -> str:
    from django.urls import reverse

    return reverse("deals:detail", args=[deal.pk])


def active_delegation(*, team: Team, delegate: User, on: datetime.date | None = None):
    """The delegation under which ``delegate`` decides for an away manager today, if any."""
    day = on or timezone.localdate()
    return (
        ApprovalDelegation.objects.filter(team=team, delegate=delegate, starts_on__lte=day, ends_on__gte=day)
        .select_related("manager")
        .order_by("starts_on", "pk")
        .first()
    )


def _decided_since(briefing: Briefing) -> str:
    """Why a decision comes too late: who decided on the briefing, what and when."""
    last = (
        Approval.objects.filter(version__briefing=briefing)
        .select_related("manager", "version")
        .order_by("-decided_at", "-pk")
        .first()
    )
    if briefing.status == BriefingStatus.DRAFT or last is None:
        return f"This briefing is {briefing.get_status_display().lower()}, not waiting for a decision."
    local = timezone.localtime(last.decided_at)
    verb = "approved" if last.decision == ApprovalDecision.APPROVED else "returned"
    return (
        f"{last.manager} already {verb} version {last.version.number} "
        f"on {date_format(local, 'j M')} at {local:%H:%M}: nothing was decided."
    )


def briefing_decide(
    *, briefing: Briefing, by: User, approve: bool, comment: str = "", version: int | None = None
) -> Approval:
    """Approve or return the submitted version; ``version`` is the number the manager read (None:
    not known), so that a decision never lands on a version submitted after they looked."""
    comment = (comment or "").strip()
    with transaction.atomic():
        current = _lock(briefing)
        deal = current.deal
        if not is_manager(user=by, team_id=deal.team_id):
            raise NotAllowed("Only a manager of the team decides on briefings.")
        if deal.owner_id == by.pk:
            raise NotAllowed("You own this deal, so another manager must decide on its briefing.")
        if current.status != BriefingStatus.SUBMITTED:
            raise Invalid(_decided_since(current))
        if version is not None and current.version != version:
            raise Stale(
                f"{deal.owner} submitted version {current.version} after you opened version {version}: "
                "read it and decide again. Nothing was decided."
            )
        if not approve and not comment:
            raise Invalid("Say what needs to change: a comment is required to return a briefing.")
        version = current.versions.get(number=current.version)
        delegation = active_delegation(team=deal.team, delegate=by)
        on_behalf_of = delegation.manager if delegation else None
        approval = Approval.objects.create(
            version=version,
            decision=ApprovalDecision.APPROVED if approve else ApprovalDecision.CHANGES_REQUESTED,
            manager=by,
            on_behalf_of=on_behalf_of,
            comment=comment,
            snapshot=BriefingSnapshot.from_json(version.snapshot).approval_json(),
            decided_at=timezone.now(),
        )
        behalf = f" on behalf of {on_behalf_of}" if on_behalf_of else ""
        if approve:
            current.status = BriefingStatus.APPROVED
            current.approved_version = version
            summary = f"approved briefing version {version.number}{behalf}"
        else:
            current.status = BriefingStatus.CHANGES_REQUESTED
            current.version += 1
            summary = f"returned briefing version {version.number}{behalf}: {comment}"
        current.revision += 1
        current.save()
        activity_record(
            deal=deal,
            actor=by,
            verb="briefing_approved" if approve else "briefing_returned",
            summary=summary,
        )
        readiness_refresh(deal=deal)
        notify(
            recipients=[deal.owner],
            kind="briefing_approved" if approve else "briefing_returned",
            context={
                "deal": deal,
                "actor": by,
                "version_number": version.number,
                "comment": comment,
                "on_behalf_of": on_behalf_of,
                "due": None if approve else next_meeting_start(deal=deal),
            },
            url=deal_url(deal),
            team=deal.team,
        )
        webhook_emit(
            type="briefing.approved" if approve else "briefing.returned",
            deal=deal,
            data={"briefing": {**_briefing_data(current), "version": version.number}},
        )
    return approval


def delegation_create(
    *, team: Team, manager: User, delegate: User, starts_on: datetime.date, ends_on: datetime.date
) -> ApprovalDelegation:
    if not is_manager(user=manager, team_id=team.pk):
        raise NotAllowed("Only a manager of the team delegates approvals.")
    if not is_manager(user=delegate, team_id=team.pk):
        raise Invalid("Approvals can only be delegated to another manager of the team.", field="delegate")
    if delegate.pk == manager.pk:
        raise Invalid("Choose another manager: you cannot delegate to yourself.", field="delegate")
    _check_dates(starts_on=starts_on, ends_on=ends_on)
    return ApprovalDelegation.objects.create(
        team=team,
        manager=manager,
        delegate=delegate,
        starts_on=starts_on,
        ends_on=ends_on,
        updated_by=manager,
    )


def _check_dates(*, starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise Invalid("The last day must not be before the first day.", field="ends_on")
    if ends_on < timezone.localdate():
        raise Invalid("The date range is already over.", field="ends_on")


def _lock_delegation(delegation: ApprovalDelegation, *, by: User, gone: str) -> ApprovalDelegation:
    current = (
        ApprovalDelegation.objects.select_for_update(of=("self",))
        .select_related("updated_by", "delegate")
        .filter(pk=delegation.pk)
        .first()
    )
    if current is None:
        raise Invalid(gone)
    if current.manager_id != by.pk or not is_manager(user=by, team_id=current.team_id):
        raise NotAllowed("Only the manager who delegated can change or end the delegation.")
    return current


def delegation_update(
    *,
    delegation: ApprovalDelegation,
    by: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    revision: int | None = None,
) -> bool:
    """The manager who delegated moves its dates; False when they are as they were. ``Stale`` when
    the delegation was changed after ``revision`` was read."""
    with transaction.atomic():
        current = _lock_delegation(delegation, by=by, gone=DELEGATION_GONE)
        refuse_stale(current, revision, what="this delegation")
        _check_dates(starts_on=starts_on, ends_on=ends_on)
        if (current.starts_on, current.ends_on) == (starts_on, ends_on):
            return False
        current.starts_on, current.ends_on = starts_on, ends_on
        current.save(update_fields=["starts_on", "ends_on", *mark_saved(current, by=by)])
    return True


def delegation_delete(*, delegation: ApprovalDelegation, by: User) -> None:
    with transaction.atomic():
        current = _lock_delegation(delegation, by=by, gone=DELEGATION_GONE)
        current.delete()


DELEGATION_GONE = "This delegation was already ended: nothing changed."
