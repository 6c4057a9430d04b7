from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms

from deals.models import BuyingRole, Contact
from negprep.forms import RevisionForm
from teams.models import phone_validator


class ContactForm(RevisionForm, forms.ModelForm):
    """One of the customer's people: who they are, their role in the purchase, how to reach them."""

    phone = forms.CharField(
        max_length=32,
        required=False,
        label="Phone",
        validators=[phone_validator],
        help_text="e.g. +49 30 1234567",
    )

    class Meta:
        model = Contact
        fields = ["name", "title", "buying_role", "cares_about", "email", "phone"]
        labels = {"cares_about": "What they care about", "email": "Email"}
        help_texts = {"title": "e.g. Head of Purchasing"}
        widgets = {"cares_about": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"required": "Give the contact's name."},
            "buying_role": {
                "required": "Pick the contact's buying role.",
                "invalid_choice": "Pick the contact's buying role from the list.",
            },
            "email": {"invalid": "Enter a valid email address, e.g. jana.kruse@example.com."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buying_role"].choices = [("", "— buying role —"), *BuyingRole.choices]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column(Field("name"), css_class="col-md-6"),
                Column(Field("title"), css_class="col-md-6"),
            ),
            Field("buying_role"),
            Field("cares_about"),
            Row(
                Column(Field("email"), css_class="col-md-6"),
                Column(Field("phone"), css_class="col-md-6"),
            ),
        )
