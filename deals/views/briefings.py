from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deals.access import (
    can_decide_briefing,
    deal_for_owner,
    deal_for_user,
    deal_in_full,
    require_manager,
)
from deals.domain.snapshot import BriefingSnapshot
from deals.forms.briefings import (
    BriefingForm,
    ConcessionFormSet,
    DecisionForm,
    ObjectionFormSet,
    PitchPointFormSet,
    formset_rows,
    initial_rows,
)
from deals.forms.lists import TeamFilterForm
from deals.models import BriefingStatus, Meeting
from deals.selectors.briefings import (
    approval_queue_briefings,
    approval_queue_count,
    approval_queue_items,
    briefing_history_entries,
    briefing_versions,
    guidelines_of,
)
from deals.selectors.home import team_pipeline
from deals.services import briefings as briefing_services
from deals.services import guidelines as guideline_services
from deals.views.next_step import on_to_next_step
from negprep.errors import Invalid, Stale
from negprep.forms import show_stale
from teams.models import Role, Team


def _who_we_meet(briefing) -> str:
    """A first draft of "who we meet and their interests": the contacts of the next meeting."""
    meeting = Meeting.objects.next_for_deal(briefing.deal)
    if meeting is None:
        return ""
    lines = []
    for contact in meeting.contacts.all():
        who = ", ".join(part for part in (contact.title, contact.get_buying_role_display().lower()) if part)
        line = f"{contact.name} ({who})" if who else contact.name
        if contact.cares_about:
            line += f": {contact.cares_about}"
        lines.append(line)
    return "\n".join(lines)


def _editor_forms(briefing, data=None):
    pitch = list(briefing.pitch_points.all())
    objections = list(briefing.objections.all())
    concessions = list(briefing.concessions.all())
    initial = {"revision": briefing.revision}
    if data is None and not briefing.attendees_interests:
        initial["attendees_interests"] = _who_we_meet(briefing)
    return {
        "form": BriefingForm(data, instance=briefing, initial=initial, prefix="briefing"),
        "pitch_formset": PitchPointFormSet(
            data, prefix="pitch", initial=initial_rows(pitch, ["feature", "benefit", "evidence"])
        ),
        "objection_formset": ObjectionFormSet(
            data, prefix="objection", initial=initial_rows(objections, ["objection", "answer"])
        ),
        "concession_formset": ConcessionFormSet(
            data, prefix="concession", initial=initial_rows(concessions, ["give", "get"])
        ),
    }


@require_http_methods(["GET", "POST"])
def briefing_edit(request, pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    briefing = deal.briefing
    if briefing.is_locked:
        messages.info(request, "The briefing is waiting for approval; it can be changed after the decision.")
        return redirect("deals:detail", pk=deal.pk)
    if request.method == "GET":
        return render(request, "deals/briefing_edit.html", {"deal": deal, **_editor_forms(briefing)})

    forms = _editor_forms(briefing, request.POST)
    if not all(f.is_valid() for f in forms.values()):
        messages.error(request, "Nothing was saved: please correct the fields marked below.")
        return render(request, "deals/briefing_edit.html", {"deal": deal, **forms}, status=400)
    form = forms["form"]
    fields = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
    try:
        briefing = briefing_services.briefing_save(
            briefing=briefing,
            by=request.user,
            revision=form.cleaned_data["revision"],
            fields=fields,
            pitch_points=formset_rows(forms["pitch_formset"]),
            objections=formset_rows(forms["objection_formset"]),
            concessions=formset_rows(forms["concession_formset"]),
        )
    except Stale as error:
        show_stale(form, error)
        return render(request, "deals/briefing_edit.html", {"deal": deal, **forms}, status=409)
    except Invalid as error:
        messages.error(request, str(error))
        return redirect("deals:detail", pk=deal.pk)

    if request.POST.get("action") == "submit":
        try:
            briefing_services.briefing_submit(briefing=briefing, by=request.user)
        except Invalid as error:
            messages.warning(request, f"The draft was saved but not submitted. {error}")
            return redirect("deals:briefing_edit", pk=deal.pk)
        return _submitted(
            request, deal, "Briefing saved and submitted: your managers have been asked to approve it."
        )
    messages.success(request, f"Draft saved (version {briefing.version}).")
    return redirect("deals:detail", pk=deal.pk)


@require_POST
def briefing_submit(request, pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    try:
        briefing_services.briefing_submit(briefing=deal.briefing, by=request.user)
    except Invalid as error:
        messages.error(request, str(error))
        return redirect("deals:detail", pk=deal.pk)
    return _submitted(request, deal, "Submitted: your managers have been asked to approve the briefing.")


def _submitted(request, deal, message: str):
    """After submitting: on to the next step still to do (the departments not asked yet, the
    payment terms, the on-call colleague), else back to the deal."""
    return on_to_next_step(
        request, deal, after="briefing", message=message, otherwise=reverse("deals:detail", args=[deal.pk])
    )


def _back(request, deal):
    target = request.POST.get("next", "")
    local = target.startswith("/") and not target.startswith("//")
    if local and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect("deals:detail", pk=deal.pk)


def _decide(request, pk, approve: bool):
    deal = deal_for_user(user=request.user, pk=pk)
    if not can_decide_briefing(user=request.user, deal=deal):
        raise PermissionDenied("Only another manager of the team decides on this briefing.")
    form = DecisionForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    answering = None
    if data.get("answering"):
        answering = deal.briefing.guidelines.filter(pk=data["answering"]).first()
    try:
        if not valid:
            fields = {"comment": "The comment", "guidelines": "The guidelines"}
            raise Invalid(
                " ".join(
                    f"{fields.get(name, 'The form')}: {error}"
                    for name, errors in form.errors.items()
                    for error in errors
                )
                + " Nothing was decided."
            )
        if data.get("answering") and answering is None:
            raise Invalid(
                "The question these guidelines answered is no longer on the deal: nothing was saved."
            )
        approval, given = guideline_services.boss_decide(
            deal=deal,
            by=request.user,
            approve=approve,
            comment=data.get("comment", ""),
            guidelines=data.get("guidelines", ""),
            answering=answering,
            version=data.get("version"),
        )
    except Invalid as error:
        if request.htmx:
            return queue_item_response(request, deal, error=str(error), typed=request.POST)
        messages.error(request, str(error))
        return _back(request, deal)
    if request.htmx:
        return queue_item_response(request, deal, approval=approval, guideline=given)
    verb = "approved" if approve else "returned to the rep"
    also = " Your guidelines were sent with it." if given else ""
    messages.success(request, f"Briefing version {approval.version.number} {verb}.{also}")
    return _back(request, deal)


def _queue_item(user, deal):
    briefings = approval_queue_briefings(user=user).filter(deal=deal)
    return next(iter(approval_queue_items(user=user, briefings=briefings)), None)


def queue_item_response(request, deal, *, error=None, typed=None, approval=None, guideline=None):
    """The card of the manager's queue after an answer from it: the card again while something still
    waits (with the refusal and what they typed, or with what was just done), else what was done."""
    item = _queue_item(request.user, deal)
    context = {
        "deal": deal,
        "item": item,
        "error": error,
        "typed": typed or {},
        "approval": approval,
        "guideline": guideline,
    }
    if item is not None:
        return render(request, "deals/partials/queue_item.html", context)
    # The queue's count and, on the home page, the team pipeline change with the decision.
    context["queue_count"] = approval_queue_count(user=request.user)
    if request.htmx.current_url_abs_path == reverse("home"):
        context.update(team_pipeline(user=request.user))
    return render(request, "deals/partials/queue_item_done.html", context)


@require_POST
def briefing_approve(request, pk):
    return _decide(request, pk, approve=True)


@require_POST
def briefing_return(request, pk):
    return _decide(request, pk, approve=False)


VERSIONS_PER_PAGE = 10


@require_GET
def briefing_history(request, pk):
    deal = deal_in_full(user=request.user, pk=pk)
    briefing = deal.briefing
    page = Paginator(briefing_versions(briefing=briefing), VERSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    entries = briefing_history_entries(briefing=briefing, versions=page.object_list)
    # The page names the approved version, most often one of those listed: not read again then.
    listed = {entry.version.pk: entry.version for entry in entries}
    if briefing.approved_version_id in listed:
        briefing.approved_version = listed[briefing.approved_version_id]
    # A draft after a submitted version: what it would change, before anyone submits it.
    draft_changes = None
    if (
        entries
        and page.number == 1
        and briefing.status in (BriefingStatus.DRAFT, BriefingStatus.CHANGES_REQUESTED)
    ):
        draft_changes = BriefingSnapshot.from_briefing(briefing).changes_since(
            BriefingSnapshot.from_json(entries[0].version.snapshot)
        )
    return render(
        request,
        "deals/briefing_history.html",
        {
            "deal": deal,
            "briefing": briefing,
            "entries": entries,
            "page": page,
            "draft_changes": draft_changes,
            "guidelines": guidelines_of(briefing=briefing) if page.number == 1 else [],
        },
    )


APPROVALS_PER_PAGE = 20


@require_GET
def approval_queue(request):
    """Every briefing waiting for the manager, oldest submission first, paginated; filtered by team."""
    require_manager(user=request.user)
    teams = Team.objects.filter(memberships__user=request.user, memberships__role=Role.MANAGER)
    form = TeamFilterForm(request.GET or None, teams=teams.distinct().order_by("name"))
    team = form.filters().get("team")
    briefings = approval_queue_briefings(user=request.user, team_id=team.pk if team else None)
    page = Paginator(briefings, APPROVALS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = approval_queue_items(user=request.user, briefings=page.object_list)
    context = {
        "form": form,
        "page": page,
        "queue": page.object_list,
        "queue_count": page.paginator.count,
        "filtered": team is not None,
    }
    return render(request, "deals/approval_queue.html", context)
