"""The request bodies in the OpenAPI schema, described from the pages' forms that check them."""

from django import forms
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

_SIMPLE = [
    (forms.BooleanField, serializers.BooleanField),
    (forms.IntegerField, serializers.IntegerField),
    (forms.DecimalField, serializers.DecimalField),
    (forms.DateTimeField, serializers.DateTimeField),
    (forms.DateField, serializers.DateField),
    (forms.URLField, serializers.URLField),
    (forms.EmailField, serializers.EmailField),
]


def _field(field: forms.Field) -> serializers.Field:
    options = {"required": False, "help_text": str(field.help_text or "") or None}
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=serializers.IntegerField(), **options)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**options)
    if isinstance(field, forms.TypedChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return serializers.CharField(**options)
    if isinstance(field, forms.ChoiceField):
        choices = [value for value, _ in field.choices if value != ""]
        return serializers.ChoiceField(choices=choices, **options)
    for form_field, api_field in _SIMPLE:
        if isinstance(field, form_field):
            if api_field is serializers.DecimalField:
                return api_field(
                    max_digits=field.max_digits or 20, decimal_places=field.decimal_places or 2, **options
                )
            return api_field(**options)
    return serializers.CharField(**options)


def body_of(name: str, *form_classes, extra: dict | None = None, exclude=("revision",)):
    """A request body with the fields of these forms (and ``extra`` serializer fields)."""
    fields = {}
    for form_class in form_classes:
        for field_name, field in form_class.base_fields.items():
            if field_name not in exclude:
                fields[field_name] = _field(field)
    fields.update(extra or {})
    return inline_serializer(name=name, fields=fields)
