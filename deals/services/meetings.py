"""Writes about meetings: schedule, move and cancel, each with its timeline entry."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from deals.access import can_edit_deal
from deals.models import (
    MEETING_LONGEST,
    CoNegotiatorStatus,
    Contact,
    Deal,
    Meeting,
    MeetingStage,
    OnCallStatus,
)
from deals.selectors.deals import meetings_not_started
from deals.services.activity import activity_record
from deals.services.readiness import readiness_refresh
from negprep.errors import Invalid, NotAllowed
from negprep.versioning import mark_saved, refuse_stale
from teams.models import User
from teams.notifications import notify

# Labels of the timeline's "changes"; the keys are the services' argument names.
MEETING_CHANGE_LABELS = {
    "starts_at": "Start",
    "ends_at": "End",
    "stage": "Stage",
    "location": "Location",
    "video_link": "Video link",
    "contacts": "Contacts",
}


# A meeting is planned within a few years and lasts days at most (MEETING_LONGEST,
# which the next-meeting queries rely on); anything beyond is a typo (and far
# dates cannot be shown in every time zone).
MEETING_HORIZON = timedelta(days=3 * 365)


def validate_meeting_times(
    *, starts_at: datetime | None, ends_at: datetime | None, check_start: bool = True
) -> None:
    """Raise ``Invalid`` keyed by field when the times do not make a meeting.

    ``check_start`` is off when an existing meeting keeps its start: a meeting
    under way may still get a new room, but nobody schedules into the past.
    """
    errors = {}
    # Inputs have minute precision, so "now" is compared to the minute too:
    # a meeting starting this very minute is not in the past.
    this_minute = timezone.now().replace(second=0, microsecond=0)
    if check_start and starts_at is not None and starts_at < this_minute:
        errors["starts_at"] = "The meeting cannot start in the past."
    if starts_at is not None and starts_at > this_minute + MEETING_HORIZON:
        errors["starts_at"] = f"Schedule meetings at most {MEETING_HORIZON.days // 365} years ahead."
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            errors["ends_at"] = "The meeting must end after it starts."
        elif ends_at - starts_at > MEETING_LONGEST:
            errors["ends_at"] = f"A meeting lasts at most {MEETING_LONGEST.days} days: check the end date."
    if errors:
        raise Invalid(errors)


def validate_meeting_place(*, location: str, video_link: str) -> None:
    if not (location or "").strip() and not (video_link or "").strip():
        raise Invalid({"location": "Give a location or a video link (or both)."})


def _check_owner(*, deal: Deal, by: User) -> None:
    if not can_edit_deal(user=by, deal=deal):
        raise NotAllowed("Only the deal's owner arranges its meetings.")


def _customer_contacts(
    *, deal: Deal, contacts: Iterable[Contact | int], attending: Iterable[Contact] = ()
) -> list[Contact]:
    """The contacts, all of the deal's customer; archived ones only if already ``attending``."""
    ids = {contact.pk if isinstance(contact, Contact) else int(contact) for contact in contacts}
    found = list(Contact.objects.filter(pk__in=ids, customer_id=deal.customer_id))
    if len(found) != len(ids):
        raise Invalid({"contacts": "Pick only contacts of this deal's customer."})
    kept = {contact.pk for contact in attending}
    archived = [contact.name for contact in found if contact.is_archived and contact.pk not in kept]
    if archived:
        raise Invalid({"contacts": f"{', '.join(archived)} is archived: restore the contact first."})
    return found


def _stage_label(stage: str) -> str:
    return MeetingStage(stage).label.lower()


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _schedule(
    *,
    deal: Deal,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    stage: str,
    location: str,
    video_link: str,
    contacts: list[Contact],
) -> Meeting:
    """Create the meeting and its timeline entry; the caller has checked everything."""
    meeting = Meeting.objects.create(
        deal=deal,
        starts_at=starts_at,
        ends_at=ends_at,
        stage=stage,
        location=location.strip(),
        video_link=video_link.strip(),
    )
    meeting.contacts.set(contacts)
    stage_label = _stage_label(stage)
    activity_record(
        deal=deal,
        actor=by,
        verb="meeting_scheduled",
        summary=f"scheduled {_article(stage_label)} {stage_label} meeting",
        changes={
            "Start": {"old": None, "new": starts_at.astimezone(UTC).isoformat()},
            "End": {"old": None, "new": ends_at.astimezone(UTC).isoformat()},
        },
    )
    readiness_refresh(deal=deal)
    return meeting


def meeting_add(
    *,
    deal: Deal,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    stage: str = MeetingStage.EXPLORATORY,
    location: str = "",
    video_link: str = "",
    contacts: Iterable[Contact | int] = (),
) -> Meeting:
    _check_owner(deal=deal, by=by)
    if not deal.is_open:
        raise Invalid(f"This deal is {deal.get_status_display().lower()}: it takes no new meetings.")
    validate_meeting_times(starts_at=starts_at, ends_at=ends_at)
    validate_meeting_place(location=location, video_link=video_link)
    with transaction.atomic():
        return _schedule(
            deal=deal,
            by=by,
            starts_at=starts_at,
            ends_at=ends_at,
            stage=stage,
            location=location,
            video_link=video_link,
            contacts=_customer_contacts(deal=deal, contacts=contacts),
        )


def _json_value(name: str, value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if name == "stage":
        return MeetingStage(value).label
    if name == "contacts":
        return ", ".join(sorted(contact.name for contact in value)) or None
    return value or None


def meeting_move(*, meeting: Meeting, by: User, revision: int | None = None, **fields) -> Meeting:
    """Change the meeting's times, place, stage or contacts; record what changed.

    ``fields`` may hold any of starts_at, ends_at, stage, location, video_link
    and contacts (contacts or their ids). Nothing changed → no timeline entry.
    ``Stale`` when the meeting was saved after ``revision`` was read.
    """
    unknown = set(fields) - MEETING_CHANGE_LABELS.keys()
    if unknown:
        raise TypeError(f"meeting_move cannot change: {', '.join(sorted(unknown))}")
    deal = meeting.deal
    _check_owner(deal=deal, by=by)
    if not deal.is_open:
        raise Invalid(
            f"This deal is {deal.get_status_display().lower()}: its meetings can no longer be changed."
        )

    with transaction.atomic():
        # Compare with what is stored, not with an instance a form may have touched.
        current = (
            Meeting.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=meeting.pk)
        )
        if current.cancelled:
            raise Invalid("This meeting was cancelled; schedule a new one instead.")
        refuse_stale(current, revision, what="this meeting")
        old_contacts = sorted(current.contacts.all(), key=lambda contact: contact.pk)
        new = {
            "starts_at": fields.get("starts_at", current.starts_at),
            "ends_at": fields.get("ends_at", current.ends_at),
            "stage": fields.get("stage", current.stage),
            "location": (fields.get("location", current.location) or "").strip(),
            "video_link": (fields.get("video_link", current.video_link) or "").strip(),
        }
        validate_meeting_times(
            starts_at=new["starts_at"],
            ends_at=new["ends_at"],
            check_start=new["starts_at"] != current.starts_at,
        )
        validate_meeting_place(location=new["location"], video_link=new["video_link"])
        new_contacts = old_contacts
        if "contacts" in fields:
            new_contacts = sorted(
                _customer_contacts(deal=deal, contacts=fields["contacts"], attending=old_contacts),
                key=lambda contact: contact.pk,
            )

        old_start = current.starts_at
        changes = {}
        for name, value in new.items():
            old = getattr(current, name)
            if old != value:
                changes[MEETING_CHANGE_LABELS[name]] = {
                    "old": _json_value(name, old),
                    "new": _json_value(name, value),
                }
                setattr(current, name, value)
        if [c.pk for c in new_contacts] != [c.pk for c in old_contacts]:
            changes[MEETING_CHANGE_LABELS["contacts"]] = {
                "old": _json_value("contacts", old_contacts),
                "new": _json_value("contacts", new_contacts),
            }
            current.contacts.set(new_contacts)
        if not changes:
            return current

        current.save(update_fields=[*new.keys(), *mark_saved(current, by=by)])
        moved = "Start" in changes or "End" in changes
        activity_record(
            deal=deal,
            actor=by,
            verb="meeting_moved" if moved else "meeting_updated",
            summary=f"{'moved' if moved else 'updated'} the {_stage_label(current.stage)} meeting",
            changes=changes,
        )
        if moved:
            _tell_colleagues(meeting=current, by=by, was=old_start)
        readiness_refresh(deal=deal)
    return current


def _tell_colleagues(*, meeting: Meeting, by: User, was: datetime | None = None, reason: str = "") -> None:
    """Tell the colleagues on call or coming along that the meeting moved or was cancelled,
    so that nobody keeps a slot free in vain (or misses the new one)."""
    people = {
        on_call.member
        for on_call in meeting.on_calls.exclude(status=OnCallStatus.DECLINED).select_related("member")
    }
    people |= {
        request.member
        for request in meeting.co_negotiator_requests.exclude(
            status=CoNegotiatorStatus.DECLINED
        ).select_related("member")
    }
    people |= set(meeting.co_negotiators.all())
    people.discard(by)
    notify(
        recipients=sorted(people, key=lambda user: user.pk),
        kind="meeting_changed",
        context={
            "deal": meeting.deal,
            "meeting": meeting,
            "actor": by,
            "was": was,
            "reason": reason,
            "due": meeting.starts_at,
        },
        url=reverse("deals:detail", args=[meeting.deal_id]) + "#meetings",
        team=meeting.deal.team,
        topic=meeting.deal.title,
    )


def _cancel(*, meeting: Meeting, by: User, reason: str) -> bool:
    """Cancel, record and tell the colleagues; False when it was already cancelled."""
    # A conditional update, so two clicks (or two tabs) cancel only once; it counts as a save, so
    # that a form loaded before it is refused (negprep.versioning).
    cancelled = Meeting.objects.filter(pk=meeting.pk, cancelled=False).update(
        cancelled=True,
        cancelled_reason=reason,
        revision=F("revision") + 1,
        updated_by=by,
        updated_at=timezone.now(),
    )
    if not cancelled:
        return False
    meeting.refresh_from_db()
    changes = {"Start": {"old": None, "new": _json_value("starts_at", meeting.starts_at)}}
    if reason:
        changes["Reason"] = {"old": None, "new": reason}
    activity_record(
        deal=meeting.deal,
        actor=by,
        verb="meeting_cancelled",
        summary=f"cancelled the {_stage_label(meeting.stage)} meeting",
        changes=changes,
    )
    _tell_colleagues(meeting=meeting, by=by, reason=reason)
    return True


def meeting_cancel(*, meeting: Meeting, by: User, reason: str = "") -> bool:
    """Cancel the meeting. False (and nothing changes) when it was already cancelled."""
    _check_owner(deal=meeting.deal, by=by)
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        if not _cancel(meeting=meeting, by=by, reason=reason):
            return False
        readiness_refresh(deal=meeting.deal)
    return True


def meetings_cancel_for_closed_deal(*, deal: Deal, by: User, reason: str) -> int:
    """Cancel the deal's meetings that have not started, as its closing does (the caller checked
    who may close it and holds the transaction); returns how many were cancelled."""
    ahead = meetings_not_started(deal=deal).select_related("deal")
    return sum(_cancel(meeting=meeting, by=by, reason=reason[:300]) for meeting in ahead)
