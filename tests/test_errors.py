"""One error vocabulary: what services raise and how a form shows it."""

from django import forms
from django.core.exceptions import PermissionDenied

from negprep.errors import DomainError, Invalid, NotAllowed, Stale
from negprep.forms import place_refusal, show_refusal


class _TermsForm(forms.Form):
    price = forms.DecimalField()
    note = forms.CharField(required=False)


def _validated_form():
    form = _TermsForm({"price": "10", "note": ""})
    assert form.is_valid()
    return form


def test_not_allowed_is_a_permission_denied_so_django_answers_it_with_a_403():
    assert issubclass(NotAllowed, PermissionDenied)
    assert issubclass(NotAllowed, DomainError)


def test_a_refusal_the_user_can_act_on_is_not_a_permission_denied():
    assert not issubclass(Invalid, PermissionDenied)
    assert issubclass(Stale, Invalid)


def test_a_message_keyed_by_field_lands_on_that_field():
    form = _validated_form()
    show_refusal(form, Invalid("The price is below the walk-away price.", field="price"))
    assert form.errors == {"price": ["The price is below the walk-away price."]}


def test_a_message_for_no_field_of_the_form_shows_above_the_fields():
    form = _validated_form()
    show_refusal(form, Invalid({"price": "Too low.", "currency": "Pick a currency."}))
    assert form.errors["price"] == ["Too low."]
    assert form.non_field_errors() == ["Pick a currency."]


def test_messages_go_to_the_first_form_with_the_field_and_the_rest_come_back():
    first, second = _validated_form(), _validated_form()
    error = Invalid({"note": "Say why.", None: "Nothing was saved."})
    assert place_refusal(error, second, first) == ["Nothing was saved."]
    assert second.errors.get("note") == ["Say why."]
    assert "note" not in first.errors


def test_the_error_reads_as_its_messages():
    assert str(Invalid("Say why.", field="note")) == "Say why."
    assert str(Invalid({"price": "Too low.", "note": ["Say why."]})) == "Too low. Say why."
