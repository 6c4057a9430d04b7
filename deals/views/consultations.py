from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deals.access import (
    consultation_for_answer,
    consultation_for_owner,
    consultation_for_user,
    consultation_for_waiver,
    deal_for_owner,
)
from deals.domain.consultations import DEPARTMENT_ASKS
from deals.forms.consultations import (
    AddConsultationForm,
    ConsultationRequestForm,
    WaiveForm,
    answer_form_class,
)
from deals.forms.lists import ConsultationFilterForm
from deals.models import STRUCTURED_DEPARTMENTS, Consultation, ConsultationStatus, Department
from deals.selectors.consultations import (
    consultation_default_due,
    consultations_answered_by,
    consultations_asked_of,
)
from deals.selectors.panels import _deal_consultations, _mark_for, _when
from deals.services import consultations as consultation_services
from deals.services.briefings import next_meeting_start
from negprep.errors import Invalid
from negprep.forms import show_refusal
from teams.models import Team

# Panels ------------------------------------------------------------------------------


CONSULTATIONS_PER_PAGE = 25


@require_GET
def consultations_list(request):
    """Everything asked of the user and their departments (or, with ``show=answered``, what they
    answered), paginated and filtered by team, department and addressee."""
    answered = request.GET.get("show") == "answered"
    teams = Team.objects.filter(memberships__user=request.user).distinct().order_by("name")
    form = ConsultationFilterForm(request.GET or None, teams=teams)
    filters = form.filters()
    consultations = (
        consultations_answered_by(user=request.user)
        if answered
        else consultations_asked_of(user=request.user)
    )
    if team := filters.get("team"):
        consultations = consultations.filter(deal__team=team)
    if department := filters.get("department"):
        consultations = consultations.filter(department=department)
    if not answered and (addressed := filters.get("addressed")):
        consultations = (
            consultations.filter(assignee=request.user)
            if addressed == "me"
            else consultations.filter(assignee__isnull=True)
        )
    page = Paginator(consultations, CONSULTATIONS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _mark_for(request.user, page.object_list)
    context = {
        "form": form,
        "page": page,
        "answered": answered,
        "filtered": bool(filters),
        "several_teams": "team" in form.fields,
    }
    return render(request, "deals/consultations_list.html", context)


# Asking ------------------------------------------------------------------------------


def _suggested_questions(consultation: Consultation) -> str:
    deal = consultation.deal
    quantity = f"{deal.quantity} units" if deal.quantity else "the quantity"
    by_date = (
        formats.date_format(deal.requested_delivery_date, "j M Y")
        if deal.requested_delivery_date
        else "the date the customer asks for"
    )
    return {
        Department.PRODUCTION: f"Can we make {quantity} of: {deal.scope.strip()}? "
        "What is missing, what extra resources do we need, and how long does it take to mobilise?",
        Department.SUPPLY_CHAIN: f"Can we deliver {quantity} by {by_date}? "
        "What is missing, and what is the lead time?",
        Department.FINANCE: "Beyond the payment terms: what should I know about this customer's credit "
        "and the payment side of the deal?",
    }[consultation.department]


@require_http_methods(["GET", "POST"])
def consultation_request(request, pk):
    consultation = consultation_for_owner(user=request.user, pk=pk)
    deal = consultation.deal
    if consultation.is_settled or not deal.is_open:
        messages.info(
            request,
            f"This consultation is {consultation.get_status_display().lower()}; there is nothing to request."
            if consultation.is_settled
            else f"This deal is {deal.get_status_display().lower()}: its consultations can no longer change.",
        )
        return _deal_consultations(deal)

    due = consultation.due_at
    initial = {
        "assignee": consultation.assignee,
        "questions": consultation.questions or _suggested_questions(consultation),
        "due_at": due if due and due > timezone.now() else consultation_default_due(deal=deal),
    }
    form = ConsultationRequestForm(request.POST or None, consultation=consultation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = consultation_services.consultation_request(
                consultation=consultation,
                by=request.user,
                assignee=form.cleaned_data["assignee"],
                questions=form.cleaned_data["questions"],
                due_at=form.cleaned_data["due_at"],
            )
        except Invalid as error:
            show_refusal(form, error)
        else:
            who = consultation.assignee or f"the {consultation.get_department_display().lower()} queue"
            messages.success(request, f"Asked {who}: the answer is due by {_when(consultation.due_at)}.")
            return _deal_consultations(deal)
    return render(
        request,
        "deals/consultation_request.html",
        {
            "deal": deal,
            "consultation": consultation,
            "form": form,
            "ask": DEPARTMENT_ASKS[consultation.department],
            "next_meeting_at": next_meeting_start(deal=deal),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def consultation_add(request, pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    form = AddConsultationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick the department to consult; nothing was added.")
        return _deal_consultations(deal)
    try:
        consultation = consultation_services.consultation_add_optional(
            deal=deal, by=request.user, department=form.cleaned_data["department"]
        )
    except Invalid as error:
        messages.error(request, str(error))
        return _deal_consultations(deal)
    messages.success(
        request,
        f"Optional {consultation.get_department_display().lower()} consultation added: "
        "now say whom to ask and what.",
    )
    return redirect("deals:consultation_request", pk=consultation.pk)


@require_POST
def consultation_remove(request, pk):
    consultation = consultation_for_user(user=request.user, pk=pk)
    deal = consultation.deal
    try:
        consultation_services.consultation_remove_optional(consultation=consultation, by=request.user)
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Optional {consultation.get_department_display().lower()} consultation removed."
        )
    return _deal_consultations(deal)


# Answering and waiving ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def consultation_answer(request, pk):
    consultation = consultation_for_answer(user=request.user, pk=pk)
    deal = consultation.deal
    if consultation.status != ConsultationStatus.REQUESTED or not deal.is_open:
        if consultation.status == ConsultationStatus.ANSWERED:
            notice = f"{consultation.answered_by or 'Someone'} already answered this consultation."
        elif consultation.status == ConsultationStatus.WAIVED:
            notice = "This consultation was waived: no answer is needed any more."
        elif consultation.status == ConsultationStatus.OPEN:
            notice = "This consultation has not been asked yet, so there is nothing to answer."
        else:
            notice = f"This deal is {deal.get_status_display().lower()}: no answer is needed any more."
        messages.info(request, notice)
        return _deal_consultations(deal)

    form_class = answer_form_class(consultation.department)
    form = form_class(request.POST or None, department=consultation.department)
    if request.method == "POST" and form.is_valid():
        try:
            consultation_services.consultation_answer(
                consultation=consultation, by=request.user, **form.cleaned_data
            )
        except Invalid as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Thank you: your answer on “{deal.title}” was sent to {deal.owner}.")
            return redirect("home")
    return render(
        request,
        "deals/consultation_answer.html",
        {
            "deal": deal,
            "consultation": consultation,
            "form": form,
            "ask": DEPARTMENT_ASKS[consultation.department],
            "structured": consultation.department in STRUCTURED_DEPARTMENTS,
            "next_meeting_at": next_meeting_start(deal=deal),
            "to_me": consultation.assignee_id == request.user.pk,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def consultation_waive(request, pk):
    consultation = consultation_for_waiver(user=request.user, pk=pk)
    deal = consultation.deal
    form = WaiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Not waived: {form.errors['reason'][0]}")
        return _deal_consultations(deal)
    try:
        consultation_services.consultation_waive(
            consultation=consultation, by=request.user, reason=form.cleaned_data["reason"]
        )
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"The {consultation.get_department_display().lower()} consultation was waived."
        )
    return _deal_consultations(deal)
