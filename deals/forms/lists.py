"""Filters of the paginated lists behind the home panels' "see all" links.

A value that is not valid is simply not applied: a list never answers a
junk filter with an error page.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms

from deals.models import Department, ReportOutcome
from negprep.forms import DateField, ModelChoiceField


class TeamChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ListFilterForm(forms.Form):
    """A GET form of optional filters; a team filter is offered only to members of several teams."""

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "team": TeamChoiceField(queryset=teams, required=False, empty_label="Any team"),
            **self.fields,
        }
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        names = list(self.fields)
        if len(teams) < 2:
            names.remove("team")
            del self.fields["team"]
        self.helper.layout = Layout(
            Row(*[Column(Field(name), css_class="col-sm-6 col-lg-3") for name in names])
        )

    def filters(self) -> dict:
        """The values that are valid; the others are dropped."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}


class TeamFilterForm(ListFilterForm):
    pass


class ConsultationFilterForm(ListFilterForm):
    department = forms.ChoiceField(choices=[("", "Any department"), *Department.choices], required=False)
    addressed = forms.ChoiceField(
        choices=[("", "To you or your queue"), ("me", "To you"), ("queue", "To your department queue")],
        required=False,
        label="Addressed",
    )


class ReportFilterForm(ListFilterForm):
    outcome = forms.ChoiceField(choices=[("", "Any outcome"), *ReportOutcome.choices], required=False)
    breaches = forms.BooleanField(required=False, label="Only with breaches")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so the meeting-date fields are added here (as on the deal list).
        for name, label in (("from", "Meeting from"), ("to", "to")):
            self.fields[name] = DateField(
                required=False, label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            )
        self.helper.layout = Layout(
            Row(
                *[
                    Column(Field(name), css_class="col-sm-6 col-lg")
                    for name in self.fields
                    if name != "breaches"
                ]
            ),
            Field("breaches"),
        )
