"""On-call cover and co-negotiators for a meeting: nobody negotiates alone."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from deals.access import can_edit_deal
from deals.models import CoNegotiatorRequest, CoNegotiatorStatus, Meeting, OnCall, OnCallStatus, field_label
from deals.services.activity import activity_record
from deals.services.readiness import readiness_refresh
from negprep.errors import Invalid, NotAllowed, Stale
from negprep.versioning import mark_saved, refuse_stale
from teams.models import Membership, User, phone_validator
from teams.notifications import notify

# Cover starts a little before the meeting and ends a little after it.
DEFAULT_MARGIN = timedelta(minutes=15)

PHONE_MAX_LENGTH = OnCall._meta.get_field("phone").max_length
# Fewer digits than this cannot be dialled from outside, whatever the punctuation.
PHONE_MIN_DIGITS = 6


def on_call_phone_problem(phone: str) -> str:
    """Why ``phone`` is not a number to call during a meeting, or "" when it is one.

    The number ends up in tel: links on the deal page, the brief and the .ics.
    """
    if len(phone) > PHONE_MAX_LENGTH:
        return f"A phone number has at most {PHONE_MAX_LENGTH} characters."
    try:
        phone_validator(phone)
    except ValidationError as error:
        return " ".join(error.messages)
    if sum(char.isdigit() for char in phone) < PHONE_MIN_DIGITS:
        return f"Enter a phone number with at least {PHONE_MIN_DIGITS} digits, e.g. +49 30 1234567."
    return ""


def _check_owner(*, meeting: Meeting, by: User) -> None:
    if not can_edit_deal(user=by, deal=meeting.deal):
        raise NotAllowed("Only the deal's owner arranges cover for its meetings.")
    if meeting.cancelled:
        raise Invalid("This meeting was cancelled.")
    if meeting.ends_at <= timezone.now():
        raise Invalid("This meeting is over.")


def _check_colleague(*, meeting: Meeting, member: User) -> None:
    deal = meeting.deal
    if member.pk == deal.owner_id:
        raise Invalid("Choose a colleague: the rep who negotiates cannot cover themselves.")
    if not member.is_active or not Membership.objects.filter(user=member, team=deal.team).exists():
        raise Invalid("Choose a member of the deal's team.")


def _deal_url(meeting: Meeting) -> str:
    return reverse("deals:detail", args=[meeting.deal_id])


def _clean_details(*, meeting: Meeting, member: User, topic: str, phone: str) -> tuple[str, str]:
    """The topic and the number to call, checked; an empty number is the one on the member's profile."""
    topic = (topic or "").strip()
    if not topic:
        raise Invalid("Say what they are on call for, e.g. technical specs or delivery.", field="topic")
    phone = (phone or "").strip()
    if phone:
        if problem := on_call_phone_problem(phone):
            raise Invalid(problem, field="phone")
    else:
        phone = _membership_phone(member=member, team_id=meeting.deal.team_id)
        if not phone:
            raise Invalid(f"{member} has no phone number on file: enter the number to call.", field="phone")
        if on_call_phone_problem(phone):
            raise Invalid(
                f"The number on {member}'s profile is not a phone number: enter the number to call.",
                field="phone",
            )
    return topic[:120], phone


def _window(*, meeting: Meeting, available_from, available_to) -> tuple:
    """The on-call window, by default the meeting with a margin either side; it must span the meeting."""
    available_from = available_from or meeting.starts_at - DEFAULT_MARGIN
    available_to = available_to or meeting.ends_at + DEFAULT_MARGIN
    if available_from > meeting.starts_at or available_to < meeting.ends_at:
        raise Invalid("The on-call time must cover the whole meeting.")
    return available_from, available_to


def _notify_asked(*, on_call: OnCall, meeting: Meeting, by: User) -> None:
    notify(
        recipients=[on_call.member],
        kind="on_call_requested",
        context={
            "deal": meeting.deal,
            "meeting": meeting,
            "on_call": on_call,
            "actor": by,
            "due": meeting.starts_at,
        },
        url=_deal_url(meeting),
        team=meeting.deal.team,
    )


def on_call_request(
    *,
    meeting: Meeting,
    by: User,
    member: User,
    topic: str,
    phone: str = "",
    available_from=None,
    available_to=None,
) -> OnCall:
    _check_owner(meeting=meeting, by=by)
    _check_colleague(meeting=meeting, member=member)
    topic, phone = _clean_details(meeting=meeting, member=member, topic=topic, phone=phone)
    with transaction.atomic():
        # Locking the meeting serialises two requests for it, so a double
        # submit cannot put the same colleague on call twice.
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("deal").get(pk=meeting.pk)
        available_from, available_to = _window(
            meeting=meeting, available_from=available_from, available_to=available_to
        )
        fields = {
            "topic": topic,
            "phone": phone,
            "available_from": available_from,
            "available_to": available_to,
            "requested_by": by,
            "status": OnCallStatus.REQUESTED,
            "responded_at": None,
        }
        on_call = _on_call_to_ask_again(meeting=meeting, member=member)
        if on_call is None:
            on_call = OnCall.objects.create(meeting=meeting, member=member, updated_by=by, **fields)
        else:
            for name, value in fields.items():
                setattr(on_call, name, value)
            # Asking again is a change of the details: an answer to the earlier ones is refused.
            on_call.save(update_fields=[*fields, *mark_saved(on_call, by=by)])
        activity_record(
            deal=meeting.deal,
            actor=by,
            verb="on_call_requested",
            summary=f"asked {member} to be on call for {topic} during the "
            f"{meeting.get_stage_display().lower()} meeting",
        )
        _notify_asked(on_call=on_call, meeting=meeting, by=by)
    return on_call


def _shown(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def on_call_update(
    *,
    on_call: OnCall,
    by: User,
    revision: int | None = None,
    topic: str,
    phone: str = "",
    available_from=None,
    available_to=None,
) -> bool:
    """The owner changes the details of on-call cover (what for, the number, the window). Changed
    details, or cover that was declined or no longer spans the meeting, ask the colleague again:
    they accept or decline what they are asked now. ``Stale`` when the cover was changed after
    ``revision`` was read; False when nothing changed."""
    meeting = on_call.meeting
    _check_owner(meeting=meeting, by=by)
    topic, phone = _clean_details(meeting=meeting, member=on_call.member, topic=topic, phone=phone)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("deal").get(pk=meeting.pk)
        current = (
            OnCall.objects.select_for_update(of=("self",))
            .select_related("updated_by", "member")
            .filter(pk=on_call.pk, meeting=meeting)
            .first()
        )
        if current is None:
            raise Invalid("This on-call cover was removed meanwhile: nothing was saved.")
        refuse_stale(current, revision, what="this on-call cover")
        available_from, available_to = _window(
            meeting=meeting, available_from=available_from, available_to=available_to
        )
        new = {"topic": topic, "phone": phone, "available_from": available_from, "available_to": available_to}
        changes = {
            field_label(OnCall, name): {"old": _shown(getattr(current, name)), "new": _shown(value)}
            for name, value in new.items()
            if getattr(current, name) != value
        }
        if not changes and current.status != OnCallStatus.DECLINED and current.covers(meeting):
            return False
        for name, value in new.items():
            setattr(current, name, value)
        current.status = OnCallStatus.REQUESTED
        current.responded_at = None
        current.requested_by = by
        current.save(
            update_fields=[*new, "status", "responded_at", "requested_by", *mark_saved(current, by=by)]
        )
        activity_record(
            deal=meeting.deal,
            actor=by,
            verb="on_call_changed",
            summary=f"asked {current.member} again to be on call for {topic}"
            + (", with new details" if changes else ""),
            changes=changes,
        )
        _notify_asked(on_call=current, meeting=meeting, by=by)
        readiness_refresh(deal=meeting.deal)
    return True


def _on_call_to_ask_again(*, meeting: Meeting, member: User) -> OnCall | None:
    """The member's earlier entry for this meeting that may be asked again, if any.

    A pending or accepted entry that still covers the meeting refuses a second
    request; one that was declined, or no longer covers the moved meeting, is
    asked again in place so that the colleague is listed once.
    """
    earlier = list(OnCall.objects.filter(meeting=meeting, member=member).order_by("-created_at", "-pk"))
    if any(entry.status != OnCallStatus.DECLINED and entry.covers(meeting) for entry in earlier):
        raise Invalid(f"{member} has already been asked to be on call for this meeting.")
    stale = [entry for entry in earlier if entry.status != OnCallStatus.DECLINED]
    return (stale or earlier or [None])[0]


def _membership_phone(*, member: User, team_id: int) -> str:
    phones = (
        Membership.objects.filter(user=member, team_id=team_id)
        .exclude(phone="")
        .values_list("phone", flat=True)
    )
    return next(iter(phones), "")


def _check_answer(obj, *, what: str, revision: int | None, status: str | None) -> None:
    """Refuse an answer to details other than those the colleague read (``revision``), and a second
    answer from a page that showed the request before the first (``status``: what it showed)."""
    if revision is not None and obj.revision != revision:
        owner = obj.meeting.deal.owner
        raise Stale(
            f"{owner} changed the details after you opened them: read them again. Nothing was answered.",
            current=obj,
        )
    if status is not None and obj.status != status:
        when = ""
        if obj.responded_at:
            local = timezone.localtime(obj.responded_at)
            when = f" on {date_format(local, 'j M')} at {local:%H:%M}"
        raise Invalid(
            f"You already {obj.get_status_display().lower()} {_ASKED[what]}{when}, in another window or tab: "
            "nothing changed. Read it again here to change your answer."
        )


def _respond(obj, *, by: User, accept: bool, what: str, revision: int | None, status: str | None):
    if obj.member_id != by.pk:
        raise NotAllowed("Only the colleague who was asked can answer.")
    if obj.meeting.cancelled or obj.meeting.ends_at <= timezone.now():
        raise Invalid("This meeting is cancelled or over.")
    _check_answer(obj, what=what, revision=revision, status=status)
    statuses = _STATUSES[what]
    status = statuses.ACCEPTED if accept else statuses.DECLINED
    if obj.status == status:
        return False
    obj.status = status
    obj.responded_at = timezone.now()
    # An answer does not change the details, so it keeps the revision: it is the owner's changes
    # that an answer must not miss, and the status the page showed that a second click must not.
    obj.save(update_fields=["status", "responded_at"])
    deal = obj.meeting.deal
    verb = "accepted" if accept else "declined"
    activity_record(deal=deal, actor=by, verb=f"{what}_{verb}", summary=f"{verb} to {_WHAT[what]}")
    notify(
        recipients=[deal.owner],
        kind="cover_answered",
        context={"deal": deal, "meeting": obj.meeting, "actor": by, "accepted": accept, "what": _WHAT[what]},
        url=_deal_url(obj.meeting),
        team=deal.team,
    )
    return True


GONE = "This request is no longer there: the deal's owner removed it. Nothing was answered."

_WHAT = {"on_call": "be on call", "co_negotiator": "come along as co-negotiator"}
_ASKED = {"on_call": "being on call", "co_negotiator": "coming along"}
_STATUSES = {"on_call": OnCallStatus, "co_negotiator": CoNegotiatorStatus}


def on_call_respond(
    *, on_call: OnCall, by: User, accept: bool, revision: int | None = None, status: str | None = None
) -> bool:
    """The colleague accepts or declines. ``revision`` and ``status`` are those of the request they
    read (None: not known): changed details or an answer given meanwhile refuse it."""
    with transaction.atomic():
        on_call = (
            OnCall.objects.select_for_update().select_related("meeting__deal").filter(pk=on_call.pk).first()
        )
        if on_call is None:
            raise Invalid(GONE)
        if accept and on_call.member_id == by.pk and not on_call.covers(on_call.meeting):
            raise Invalid(
                "The meeting moved and this cover no longer spans it: "
                f"{on_call.meeting.deal.owner} will ask you again for the new time."
            )
        changed = _respond(on_call, by=by, accept=accept, what="on_call", revision=revision, status=status)
        readiness_refresh(deal=on_call.meeting.deal)
    return changed


def on_call_remove(*, on_call: OnCall, by: User) -> None:
    """The owner takes a colleague off the cover; who had not declined is told they are free."""
    meeting = on_call.meeting
    if not can_edit_deal(user=by, deal=meeting.deal):
        raise NotAllowed("Only the deal's owner changes the cover.")
    with transaction.atomic():
        on_call.delete()
        activity_record(
            deal=meeting.deal,
            actor=by,
            verb="on_call_removed",
            summary=f"removed {on_call.member} from on-call",
        )
        if on_call.status != OnCallStatus.DECLINED and meeting.ends_at > timezone.now():
            notify(
                recipients=[on_call.member],
                kind="cover_removed",
                context={"deal": meeting.deal, "meeting": meeting, "actor": by},
                url=reverse("home"),
                team=meeting.deal.team,
            )
        readiness_refresh(deal=meeting.deal)


def co_negotiator_request(*, meeting: Meeting, by: User, member: User, note: str = "") -> CoNegotiatorRequest:
    _check_owner(meeting=meeting, by=by)
    _check_colleague(meeting=meeting, member=member)
    with transaction.atomic():
        request, created = CoNegotiatorRequest.objects.get_or_create(
            meeting=meeting,
            member=member,
            defaults={"requested_by": by, "note": (note or "")[:300], "updated_by": by},
        )
        if not created:
            if request.status != CoNegotiatorStatus.DECLINED:
                raise Invalid(f"{member} has already been asked to come along.")
            request.status = CoNegotiatorStatus.REQUESTED
            request.responded_at = None
            request.save(update_fields=["status", "responded_at", *mark_saved(request, by=by)])
        activity_record(
            deal=meeting.deal,
            actor=by,
            verb="co_negotiator_requested",
            summary=f"asked {member} to come along to the {meeting.get_stage_display().lower()} meeting",
        )
        notify(
            recipients=[member],
            kind="co_negotiator_requested",
            context={
                "deal": meeting.deal,
                "meeting": meeting,
                "actor": by,
                "note": note,
                "due": meeting.starts_at,
            },
            url=_deal_url(meeting),
            team=meeting.deal.team,
        )
    return request


def co_negotiator_respond(
    *,
    request: CoNegotiatorRequest,
    by: User,
    accept: bool,
    revision: int | None = None,
    status: str | None = None,
) -> bool:
    """The colleague accepts or declines coming along; ``revision`` and ``status`` as for
    ``on_call_respond``."""
    with transaction.atomic():
        request = (
            CoNegotiatorRequest.objects.select_for_update()
            .select_related("meeting__deal")
            .filter(pk=request.pk)
            .first()
        )
        if request is None:
            raise Invalid(GONE)
        changed = _respond(
            request, by=by, accept=accept, what="co_negotiator", revision=revision, status=status
        )
        if accept:
            request.meeting.co_negotiators.add(by)
        else:
            request.meeting.co_negotiators.remove(by)
        readiness_refresh(deal=request.meeting.deal)
    return changed
