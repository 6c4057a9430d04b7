from crispy_forms.layout import Column, Field, Row
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from deals.domain.consultations import DEPARTMENT_ASKS, QUESTIONS_MAX, REASON_MAX
from deals.models import CanFulfil, Consultation, ConsultationStatus, Department, field_label
from deals.selectors.consultations import consultation_answerers
from negprep.forms import REQUIRED_MARK, DateTimeField, ModelChoiceField, RevisionForm, inner_form_helper

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class AnswererChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class ConsultationRequestForm(RevisionForm):
    """Whom to ask, what and by when; an empty assignee means the department's queue. It carries
    the consultation's revision, so that a change saved meanwhile is not overwritten."""

    assignee = AnswererChoiceField(queryset=None, required=False, label="Ask")
    questions = forms.CharField(
        max_length=QUESTIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Questions to answer",
        error_messages={"required": "Write the questions you need answered."},
    )
    due_at = DateTimeField(
        label="Answer needed by",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"invalid": "Enter a date and time, e.g. 2030-05-14 14:30."},
    )

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, record=consultation, **kwargs)
        deal, department = consultation.deal, consultation.department
        self.fields["assignee"].queryset = consultation_answerers(deal=deal, department=department)
        label = Department(department).label.lower()
        self.fields["assignee"].empty_label = f"The {label} queue (everyone in {label})"
        self.fields[
            "assignee"
        ].help_text = (
            "A named colleague, or the whole department: everyone in it is notified and any of them answers."
        )
        self.fields["due_at"].help_text = (
            f"In your time zone ({timezone.get_current_timezone_name()}). Suggested: "
            f"{settings.NEGPREP_CONSULTATION_LEAD_HOURS} hours before the next meeting, "
            "or 48 hours from now when none is planned."
        )
        self.fields["due_at"].widget.attrs["min"] = timezone.localtime().strftime(DATETIME_LOCAL)
        self.helper = inner_form_helper(
            Field("assignee"),
            Field("questions"),
            Row(Column(Field("due_at"), css_class="col-md-6")),
        )

    def clean_due_at(self):
        due_at = self.cleaned_data.get("due_at")
        if due_at is not None and due_at <= timezone.now():
            raise forms.ValidationError("The due time is in the past: pick a time that is still ahead.")
        return due_at


class AskRowForm(ConsultationRequestForm):
    """One department's row of the form that asks every department at once (its prefix is the
    department). A required row is always sent; an optional one only when ticked."""

    send = forms.BooleanField(required=False)

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, consultation=consultation, **kwargs)
        # The page as a whole says which consultations it showed (``consultations_ask_all``'s seen).
        self.fields.pop("revision", None)
        self.department = consultation.department
        self.consultation = consultation
        self.ask = DEPARTMENT_ASKS[self.department]
        self.optional = not consultation.required
        if self.optional:
            what = consultation.get_department_display().lower()
            if self.department == Department.FINANCE:
                what += " (beyond the payment terms, which you request on their own)"
            self.fields["send"].label = f"Ask {what} too"
            self.fields["questions"].required = False
            # Shown only once the row is ticked, and then needed: marked as the required rows' are.
            questions = self.fields["questions"]
            questions.label = format_html("{}{}", questions.label, REQUIRED_MARK)
            self.order_fields(["send"])
        else:
            del self.fields["send"]
        # The page says once what a queue is; each row keeps its fields short.
        self.fields["assignee"].help_text = ""
        self.fields["due_at"].help_text = f"In your time zone ({timezone.get_current_timezone_name()})."
        self.helper = inner_form_helper(
            *([Field("send", wrapper_class="np-ask-send")] if self.optional else []),
            Row(
                Column(Field("assignee"), css_class="col-md-7"),
                Column(Field("due_at"), css_class="col-md-5"),
                css_class="np-ask-fields",
            ),
            Field("questions", rows=3, wrapper_class="np-ask-fields"),
        )

    @property
    def sends(self) -> bool:
        """Whether this row is to be sent (read from the input, before validation)."""
        return not self.optional or bool(self["send"].value())

    def clean_due_at(self):
        # A row that is not sent is not checked.
        return super().clean_due_at() if self.sends else None

    def clean(self):
        data = super().clean()
        if self.sends and not data.get("questions") and "questions" not in self.errors:
            self.add_error("questions", "Write the questions you need answered.")
        return data


class AnswerForm(RevisionForm):
    """An answer on the consultation as it was read (its revision goes along): the first one, or a
    correction of the answer given."""

    def __init__(self, *args, department: str, consultation: Consultation | None = None, **kwargs):
        if consultation is not None and consultation.status == ConsultationStatus.ANSWERED:
            kwargs.setdefault("initial", {name: getattr(consultation, name) for name in self.base_fields})
        super().__init__(*args, record=consultation, **kwargs)

    def stored_values(self, current) -> dict:
        # Questions changed meanwhile (the page shows them again) differ from no answer field.
        return super().stored_values(current) if current.status == ConsultationStatus.ANSWERED else {}


class DeliveryAnswerForm(AnswerForm):
    """Production's and supply chain's structured answer."""

    can_fulfil = forms.ChoiceField(
        choices=CanFulfil.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether we can fulfil it: yes, partly or no."},
    )
    missing = forms.CharField(
        label=field_label(Consultation, "missing"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    extra_resources = forms.CharField(
        label=field_label(Consultation, "extra_resources"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lead_time_days = forms.IntegerField(
        label=field_label(Consultation, "lead_time_days"),
        min_value=0,
        max_value=3650,
        error_messages={"required": "Give the lead time to mobilise, in days."},
    )
    committed_date = forms.DateField(
        label=field_label(Consultation, "committed_date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Required unless we cannot fulfil it.",
    )
    support = forms.CharField(
        label=field_label(Consultation, "support"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, department: str, **kwargs):
        super().__init__(*args, department=department, **kwargs)
        self.fields["can_fulfil"].label = (
            "Can we deliver by the date?" if department == Department.SUPPLY_CHAIN else "Can we make it?"
        )
        self.fields["committed_date"].widget.attrs["min"] = timezone.localdate().isoformat()
        self.helper = inner_form_helper(
            Field("can_fulfil"),
            Row(
                Column(Field("lead_time_days"), css_class="col-md-6"),
                Column(Field("committed_date"), css_class="col-md-6"),
            ),
            Field("missing"),
            Field("extra_resources"),
            Field("support"),
        )

    def clean(self):
        data = super().clean()
        committed = data.get("committed_date")
        fulfils = data.get("can_fulfil") in (CanFulfil.YES, CanFulfil.PARTLY)
        if fulfils and committed is None and "committed_date" not in self.errors:
            self.add_error("committed_date", "Give the earliest date you commit to.")
        if committed is not None and committed < timezone.localdate():
            self.add_error("committed_date", "The date you commit to is in the past.")
        return data


class GuidanceAnswerForm(AnswerForm):
    """Finance's guidance on what the rep asked beyond the payment terms: in words."""

    answer = forms.CharField(
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Guidance on the payment side",
        help_text="On what the rep asked beyond the payment terms, which the payment-term request decides.",
        error_messages={"required": "Write your guidance on the payment side."},
    )

    def __init__(self, *args, department: str, **kwargs):
        super().__init__(*args, department=department, **kwargs)
        self.helper = inner_form_helper(Field("answer"))


def answer_form_class(department: str) -> type[AnswerForm]:
    if department in (Department.PRODUCTION, Department.SUPPLY_CHAIN):
        return DeliveryAnswerForm
    return GuidanceAnswerForm


class WaiveForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give the reason for waiving this consultation."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inner_form_helper()


class AddConsultationForm(forms.Form):
    department = forms.ChoiceField(
        choices=Department.choices, error_messages={"required": "Pick the department to consult."}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inner_form_helper()
