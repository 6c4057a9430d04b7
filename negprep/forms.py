"""Form fields shared by the apps, and how a form shows a service's refusal."""

from crispy_forms.layout import HTML, Fieldset
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html

from negprep.errors import Invalid

# Ids beyond the database's integer range must read as "not a valid choice",
# not reach the database (where they overflow into a server error).
_MAX_ID = 2**63 - 1


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


def show_refusal(form: forms.BaseForm, error: Invalid) -> None:
    """Show the service's refusal on the form: beside the field it names, else above the fields."""
    if unplaced := place_refusal(error, form):
        form.add_error(None, unplaced)
