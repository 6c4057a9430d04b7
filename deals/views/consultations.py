from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deals.access import (
    consultation_for_answer,
    consultation_for_owner,
    consultation_for_user,
    consultation_for_waiver,
    deal_for_owner,
)
from deals.domain.consultations import DEPARTMENT_ASKS, suggested_questions
from deals.forms.consultations import (
    AddConsultationForm,
    AskRowForm,
    ConsultationRequestForm,
    WaiveForm,
    answer_form_class,
)
from deals.forms.lists import ConsultationFilterForm
from deals.models import STRUCTURED_DEPARTMENTS, ConsultationStatus
from deals.selectors.consultations import (
    consultation_default_due,
    consultations_answered_by,
    consultations_asked_of,
    consultations_to_ask,
)
from deals.selectors.panels import _deal_consultations, _mark_for, _when
from deals.services import consultations as consultation_services
from deals.services.ask_all import Ask, consultations_ask_all
from deals.services.briefings import next_meeting_start
from deals.views.next_step import on_to_next_step
from negprep.errors import Invalid, Stale
from negprep.forms import parse_id, show_refusal, show_stale
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
        "questions": consultation.questions
        or suggested_questions(deal=deal, department=consultation.department),
        "due_at": due if due and due > timezone.now() else consultation_default_due(deal=deal),
    }
    form = ConsultationRequestForm(request.POST or None, consultation=consultation, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            consultation = consultation_services.consultation_request(
                consultation=consultation,
                by=request.user,
                assignee=form.cleaned_data["assignee"],
                questions=form.cleaned_data["questions"],
                due_at=form.cleaned_data["due_at"],
                revision=form.cleaned_data["revision"],
            )
        except Invalid as error:
            status = show_refusal(form, error)
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
        status=400 if status == 200 and form.errors else status,
    )


def _ask_forms(deal, data=None, typed=None) -> list[AskRowForm]:
    """One row per department to ask, each with the suggested questions and the default due time;
    ``typed``, what the rep typed per department, replaces the suggestions."""
    now, due = timezone.now(), consultation_default_due(deal=deal)
    forms = []
    for consultation in consultations_to_ask(deal=deal):
        department = consultation.department
        initial = {
            "assignee": consultation.assignee,
            "questions": consultation.questions or suggested_questions(deal=deal, department=department),
            "due_at": consultation.due_at if consultation.due_at and consultation.due_at > now else due,
            **(typed or {}).get(department, {}),
        }
        forms.append(AskRowForm(data, prefix=department, consultation=consultation, initial=initial))
    return forms


def _typed(post, forms) -> dict:
    """What the rep typed in each row, to show again on a fresh form."""
    return {
        form.department: {
            name: post[form.add_prefix(name)] for name in form.fields if form.add_prefix(name) in post
        }
        for form in forms
    }


def _place_row_refusals(error: Invalid, forms: list[AskRowForm]) -> list[str]:
    """Put each message of the service on the row (and field) it names; return the rest."""
    rows = {form.department: form for form in forms}
    unplaced = []
    for key, texts in error.field_messages.items():
        department, _, field = (key or "").partition("-")
        form = rows.get(department)
        if form is None:
            unplaced.extend(texts)
        else:
            form.add_error(field if field in form.fields else None, texts)
    return unplaced


def _asked_message(asked) -> str:
    names = [c.get_department_display().lower() for c in asked]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    first = min(c.due_at for c in asked)
    due = "the answer is due" if len(asked) == 1 else "the first answer is due"
    return f"Asked {listed}: {due} by {_when(first)}. Each was told what you asked and by when."


@require_http_methods(["GET", "POST"])
def consultations_ask(request, pk):
    """Ask every department the deal has not asked yet, and any optional ones, with one submit."""
    deal = deal_for_owner(user=request.user, pk=pk)
    if not deal.is_open:
        messages.info(
            request,
            f"This deal is {deal.get_status_display().lower()}: its consultations can no longer change.",
        )
        return _deal_consultations(deal)
    forms = _ask_forms(deal, request.POST or None)
    if not forms:
        messages.info(request, "Every department has been asked already: their answers show below.")
        return _deal_consultations(deal)
    page_errors, status = [], 200
    if request.method == "POST":
        sent = [form for form in forms if form.sends]
        if all(form.is_valid() for form in sent):
            asks = [
                Ask(
                    department=form.department,
                    questions=form.cleaned_data["questions"],
                    assignee=form.cleaned_data["assignee"],
                    due_at=form.cleaned_data["due_at"],
                )
                for form in sent
            ]
            seen = {parse_id(value) for value in request.POST.get("unasked", "").split(",") if value}
            try:
                asked = consultations_ask_all(deal=deal, by=request.user, asks=asks, seen=seen - {None})
            except Stale as error:
                # The rows are read again; what the rep typed stays in the rows still there.
                forms = _ask_forms(deal, typed=_typed(request.POST, forms))
                page_errors, status = [str(error)], 409
            except Invalid as error:
                page_errors, status = _place_row_refusals(error, forms), 400
            else:
                return on_to_next_step(
                    request,
                    deal,
                    after="consultations",
                    message=_asked_message(asked),
                    otherwise=reverse("deals:detail", args=[deal.pk]) + "#consultations",
                )
        else:
            status = 400
        if status == 400:
            page_errors = page_errors or ["Nothing was sent: please correct the rows marked below."]
    context = {
        "deal": deal,
        "forms": forms,
        "required_forms": [form for form in forms if not form.optional],
        "optional_forms": [form for form in forms if form.optional],
        "unasked": ",".join(str(form.consultation.pk) for form in forms if form.consultation.pk),
        "next_meeting_at": next_meeting_start(deal=deal),
        "page_errors": page_errors,
    }
    return render(request, "deals/consultations_ask.html", context, status=status)


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
    answerable = (ConsultationStatus.REQUESTED, ConsultationStatus.ANSWERED)
    if consultation.status not in answerable or not deal.is_open:
        if consultation.status == ConsultationStatus.ANSWERED:
            notice = f"This deal is {deal.get_status_display().lower()}: the answer can no longer change."
        elif consultation.status == ConsultationStatus.WAIVED:
            notice = "This consultation was waived: no answer is needed any more."
        elif consultation.status == ConsultationStatus.OPEN:
            notice = "This consultation has not been asked yet, so there is nothing to answer."
        else:
            notice = f"This deal is {deal.get_status_display().lower()}: no answer is needed any more."
        messages.info(request, notice)
        return _deal_consultations(deal)

    form_class = answer_form_class(consultation.department)
    form = form_class(request.POST or None, department=consultation.department, consultation=consultation)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            answered = consultation_services.consultation_answer(
                consultation=consultation, by=request.user, **form.cleaned_data
            )
        except Stale as error:
            show_stale(form, error)
            # The page shows the consultation as it is now: the new questions, or the answer given.
            consultation = consultation_for_answer(user=request.user, pk=pk)
            status = 409
        except Invalid as error:
            show_refusal(form, error)
        else:
            if answered.revision == form.cleaned_data["revision"]:
                messages.info(request, "Nothing changed: the answer is as it was.")
            else:
                what = "corrected answer" if consultation.is_answered else "answer"
                messages.success(
                    request, f"Thank you: your {what} on “{deal.title}” was sent to {deal.owner}."
                )
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
        status=400 if status == 200 and form.errors else status,
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
