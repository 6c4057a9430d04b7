"""Form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError

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
