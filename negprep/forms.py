"""Form fields shared by the apps, and how a form shows a service's refusal."""

import datetime
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, strip_tags

from negprep.errors import Invalid, Stale

# Ids beyond the database's integer range must read as "not a valid choice",
# not reach the database (where they overflow into a server error).
_MAX_ID = 2**63 - 1


def inner_form_helper(*layout) -> FormHelper:
    """The crispy helper of a form the page wraps in its own <form> (pages put several forms in one),
    so it renders neither the tag nor the CSRF field; ``layout``: its fields in order (all when none)."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


def parse_id(value) -> int | None:
    """The id a request parameter names, or None when it is not one the database could hold."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _MAX_ID else None


def _valid_id(value) -> bool:
    return parse_id(value) is not None


class ReadOnceChoices(ModelChoiceIterator):
    """Choices read in one query and kept on the field's queryset: Django's own iterator counts
    the rows first and reads them again each time the choices are listed."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self):
        return len(self.queryset) + (self.field.empty_label is not None)


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not _valid_id(value):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value or ():
            if not _valid_id(item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)


# No deal counts more units than this; a larger number is a typo.
QUANTITY_MAX = 1_000_000_000


def cap_quantity(field: forms.IntegerField) -> None:
    """Limit a quantity field to QUANTITY_MAX with a plain message, in place of the database's bound."""
    field.validators = [v for v in field.validators if not isinstance(v, MaxValueValidator)] + [
        MaxValueValidator(QUANTITY_MAX, f"Quantities go up to {QUANTITY_MAX:,}: check the number.")
    ]
    field.widget.attrs["max"] = str(QUANTITY_MAX)


# Dates people plan with. Far outside this range a date is a typo, and near the
# ends of the calendar a time zone shift or "the next day" overflows.
YEAR_MIN, YEAR_MAX = 1900, 2200


def _check_year(value):
    if value is not None and not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValidationError(
            f"Enter a date between the years {YEAR_MIN} and {YEAR_MAX}.", code="out_of_range"
        )
    return value


class DateTimeField(forms.DateTimeField):
    def to_python(self, value):
        return _check_year(super().to_python(value))


class DateField(forms.DateField):
    def to_python(self, value):
        return _check_year(super().to_python(value))


# crispy-forms' mark of a required field.
REQUIRED_MARK = format_html('<span class="{}">*</span>', "asteriskField")


def one_of(form: forms.BaseForm, *layout, legend: str, rule: str, names: tuple[str, ...]) -> Fieldset:
    """Fields of which at least one must be filled in, as a group: its legend carries the
    required mark, the rule is printed before anyone submits, and each field reads it out."""
    rule_id = "-".join(filter(None, [form.prefix, *names, "rule"]))
    for name in names:
        described = [rule_id]
        if form.fields[name].help_text:
            described.append(f"{form[name].auto_id}_helptext")
        form.fields[name].widget.attrs["aria-describedby"] = " ".join(described)
    return Fieldset(
        format_html("{}{}", legend, REQUIRED_MARK),
        HTML(format_html('<p class="form-text mt-0 mb-2" id="{}">{}</p>', rule_id, rule)),
        *layout,
        css_class="np-one-of",
    )


def place_refusal(error: Invalid, *targets: forms.BaseForm) -> list[str]:
    """Put each of the service's messages on the first of the ``targets`` forms with the field it
    names; return the messages no field takes."""
    unplaced = []
    for name, texts in error.field_messages.items():
        form = next((form for form in targets if name in form.fields), None)
        if form is None:
            unplaced.extend(texts)
        else:
            form.add_error(name, texts)
    return unplaced


def show_refusal(form: forms.BaseForm, error: Invalid) -> int:
    """Show the service's refusal on the form: a stale save as ``show_stale`` does, anything else
    beside the field it names, else above the fields. Returns the status the page answers with."""
    if isinstance(error, Stale) and error.current is not None and isinstance(form, RevisionForm):
        show_stale(form, error)
        return 409
    if unplaced := place_refusal(error, form):
        form.add_error(None, unplaced)
    return 409 if isinstance(error, Stale) else 400


class RevisionForm(forms.Form):
    """A form that edits a stored record: it carries the record's ``revision`` as it was loaded, so
    that the service refuses the save when someone saved in between (``negprep.versioning``).

    The record is the model form's instance, or ``record=`` for a plain form. Templates render
    ``partials/revision.html`` inside the ``<form>``: the hidden field and, after a refusal, what
    differs between what is saved now and what the user typed. A model form lists this class
    first: ``class DealForm(RevisionForm, forms.ModelForm)``.
    """

    revision = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": "This form is out of date: reload the page and make your change again.",
            "invalid": "This form is out of date: reload the page and make your change again.",
            "min_value": "This form is out of date: reload the page and make your change again.",
        },
    )
    stale_message = ""
    stale_differences: list[tuple[str, str, str]] = []

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        record = record if record is not None else getattr(self, "instance", None)
        if record is None or record.pk is None:
            # Creating: there is nothing to overwrite.
            del self.fields["revision"]
        else:
            self.fields["revision"].required = True
            self.fields["revision"].initial = record.revision

    def stored_values(self, current) -> dict:
        """What ``current`` holds for each field of the form, to compare with what was typed. A form
        whose field names differ from the record's attributes says so here."""
        return {name: getattr(current, name) for name in self.fields if hasattr(current, name)}


def _shown(field: forms.Field, value) -> str:
    """A value as a person reads it, the same way for what is stored and what was typed."""
    if isinstance(value, models.Manager):
        value = value.all()
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return ", ".join(sorted(str(item) for item in value)) or "—"
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    choices = {str(key): label for key, label in getattr(field, "choices", ()) or ()}
    return str(choices.get(str(value), value))


def show_stale(form: RevisionForm, error: Stale) -> None:
    """Show a stale save's refusal on the form and let the user save their version over the current
    one: the form now carries the current revision, keeps what was typed, and lists each field where
    the two differ (``partials/revision.html`` shows the message and the differences)."""
    current = error.current
    if current is None:
        show_refusal(form, error)
        return
    form.stale_message = str(error)
    data = form.data.copy()
    data[form.add_prefix("revision")] = str(current.revision)
    form.data = data
    form.stale_differences = [
        (strip_tags(str(form.fields[name].label or name)).rstrip(" *"), saved, yours)
        for name, value in form.stored_values(current).items()
        if name != "revision"
        and (saved := _shown(form.fields[name], value))
        != (yours := _shown(form.fields[name], form.cleaned_data.get(name)))
    ]
