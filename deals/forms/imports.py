"""The import's forms: the upload, and each row checked with the pages' own forms.

A row's contact is checked by the contact form and its deal by the deal form, so a cell gets the
same message as the field on the page. ``deals/forms/import_plan.py`` puts the rows together.
"""

from pathlib import PurePath

from crispy_forms.helper import FormHelper
from django import forms

from deals.domain.imports import MAX_FILE_BYTES
from deals.models import BuyingRole, Customer, ImportFormat
from teams.models import Team

EXTENSIONS = {".csv": ImportFormat.CSV, ".xlsx": ImportFormat.XLSX}
# What browsers and spreadsheets send for these files; the extension decides, this only refuses
# an obvious mismatch (an image renamed .csv is still caught by the parser).
CONTENT_TYPES = {
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "",
}


class ImportUploadForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        empty_label="— pick the team —",
        label="Team",
        help_text="You are a rep in several teams: the customers and deals go to one of them.",
        error_messages={"required": "Pick the team the file's customers and deals belong to."},
    )
    file = forms.FileField(
        label="CSV or Excel file",
        help_text="CSV (UTF-8) or .xlsx, at most 10 MB and 20,000 rows.",
        error_messages={"required": "Choose the file to import.", "empty": "The file is empty."},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = list(teams)
        self.fields["team"].queryset = Team.objects.filter(pk__in=[team.pk for team in self.teams])
        if len(self.teams) == 1:
            del self.fields["team"]
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it into smaller files."
            )
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in EXTENSIONS:
            raise forms.ValidationError("Upload a .csv or .xlsx file.")
        if (upload.content_type or "").split(";")[0].strip().lower() not in CONTENT_TYPES:
            raise forms.ValidationError("This file is neither CSV nor Excel: upload a .csv or .xlsx file.")
        upload.import_format = EXTENSIONS[suffix]
        return upload

    def clean(self):
        cleaned = super().clean()
        if len(self.teams) == 1:
            cleaned["team"] = self.teams[0]
        return cleaned


class ImportConfirmForm(forms.Form):
    skip_errors = forms.BooleanField(required=False, label="Skip the rows with errors and import the others")


class CustomerRowForm(forms.ModelForm):
    """A customer as the deal form's "new customer" takes it: a name and an industry."""

    class Meta:
        model = Customer
        fields = ["name", "industry", "external_id"]
        error_messages = {"name": {"required": "Give the customer's name."}}


def buying_role_value(text: str) -> str:
    """The buying role as stored, from its value or its label ("Decision maker")."""
    word = text.strip().lower().replace(" ", "_")
    labels = {str(label).lower().replace(" ", "_"): value for value, label in BuyingRole.choices}
    return labels.get(word, word)
