from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row
from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from deals.models import BuyingRole, Contact, Customer, Deal, DealStatus
from deals.services.deals import DEAL_EDITABLE_FIELDS
from negprep.forms import (
    DateField,
    ModelChoiceField,
    ModelMultipleChoiceField,
    ReadOnceChoices,
    RevisionForm,
    cap_quantity,
    inner_form_helper,
    one_of,
)
from teams.models import Team, User


class CustomerChoiceField(ModelChoiceField):
    def __init__(self, *args, show_team=False, **kwargs):
        self.show_team = show_team
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.team})" if self.show_team else obj.name


class DealCustomerForm(forms.Form):
    """Which team, which customer (picked or new) and which of its contacts we meet."""

    team = ModelChoiceField(
        queryset=None,
        empty_label="— pick the team —",
        label="Team",
        help_text="You are a rep in several teams: the deal, its customer and its people belong to one.",
        error_messages={"required": "Pick the team this deal belongs to."},
    )
    customer = CustomerChoiceField(
        queryset=None,
        required=False,
        label="Existing customer",
        empty_label="— pick a customer —",
        error_messages={"invalid_choice": "Pick a customer of your team from the list."},
    )
    new_customer_name = forms.CharField(
        max_length=160, required=False, label="…or a new customer", help_text="The organisation's name."
    )
    new_customer_industry = forms.CharField(max_length=120, required=False, label="Industry")
    contacts = ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Contacts we will meet",
        error_messages={"invalid_choice": "Tick only contacts of the chosen customer."},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = list(teams)
        team_ids = [team.pk for team in self.teams]
        self.fields["team"].queryset = Team.objects.filter(pk__in=team_ids)
        if len(self.teams) == 1:
            # One team: nothing to choose, and a posted team is ignored like any other intruder.
            del self.fields["team"]
        customer_field = self.fields["customer"]
        customer_field.queryset = Customer.objects.filter(team_id__in=team_ids).select_related("team")
        customer_field.show_team = len(self.teams) > 1
        customer_field.widget.attrs.update(
            {
                "hx-get": reverse_lazy("deals:create_contacts"),
                "hx-target": "#contact-choices",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["contacts"].queryset = Contact.objects.active().filter(customer__team_id__in=team_ids)
        self.helper = inner_form_helper(
            *([Field("team")] if "team" in self.fields else []),
            one_of(
                self,
                Row(
                    Column(Field("customer"), css_class="col-md-5"),
                    Column(Field("new_customer_name"), css_class="col-md-4"),
                    Column(Field("new_customer_industry"), css_class="col-md-3"),
                ),
                legend="Customer",
                rule="Pick an existing customer or type the name of a new one.",
                names=("customer", "new_customer_name"),
            ),
        )

    def clean(self):
        cleaned = super().clean()
        if len(self.teams) == 1:
            cleaned["team"] = self.teams[0]
        team = cleaned.get("team")
        customer = cleaned.get("customer")
        new_name = (cleaned.get("new_customer_name") or "").strip()
        if "customer" in self.errors or "team" in self.errors:
            return cleaned
        if customer and new_name:
            self.add_error("new_customer_name", "Pick an existing customer or type a new one, not both.")
        elif not customer and not new_name:
            self.add_error("customer", "Pick an existing customer or type the name of a new one.")
        elif customer and team and customer.team_id != team.pk:
            self.add_error("customer", f"{customer} is not a customer of {team}.")
        elif new_name and team and Customer.objects.filter(team=team, name__iexact=new_name).exists():
            self.add_error("new_customer_name", f"{team} already has a customer called {new_name}: pick it.")
        contacts = cleaned.get("contacts") or []
        if contacts and not customer:
            self.add_error("contacts", "Tick contacts only after picking their customer.")
        elif customer and any(contact.customer_id != customer.pk for contact in contacts):
            self.add_error("contacts", f"Tick only contacts of {customer}.")
        return cleaned


class NewContactForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name")
    title = forms.CharField(
        max_length=120, required=False, label="Title", help_text="e.g. Head of Purchasing"
    )
    buying_role = forms.ChoiceField(
        choices=[("", "— buying role —"), *BuyingRole.choices], label="Buying role"
    )
    cares_about = forms.CharField(
        max_length=2000,
        required=False,
        label="What they care about",
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    attends = forms.BooleanField(required=False, initial=True, label="Attends the first meeting")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "Give the contact's name (or clear the row)."
        self.fields["buying_role"].error_messages["required"] = "Pick the contact's buying role."
        self.helper = inner_form_helper(
            Row(
                Column(Field("name"), css_class="col-md-4"),
                Column(Field("title"), css_class="col-md-4"),
                Column(Field("buying_role"), css_class="col-md-4"),
            ),
            Row(
                Column(Field("cares_about"), css_class="col-md-8"),
                Column(Field("attends"), css_class="col-md-4 d-flex align-items-center"),
            ),
        )

    def has_changed(self):
        # A blank extra row keeps its ticked "attends" box; it is still a blank row.
        return any(name in self.changed_data for name in ("name", "title", "buying_role", "cares_about"))


NewContactFormSet = forms.formset_factory(NewContactForm, extra=2, max_num=10, validate_max=True)


class DealForm(RevisionForm, forms.ModelForm):
    """The deal's own terms, on creation and when the owner edits them."""

    class Meta:
        model = Deal
        fields = list(DEAL_EDITABLE_FIELDS)
        labels = {
            "scope": "Products / scope",
            "estimated_value": "Estimated value",
            "involves_delivery": "Involves delivery / logistics",
        }
        help_texts = {
            "title": "A short name you will recognise, e.g. “HV-200 valves 2026 frame contract”.",
            "scope": "What the customer needs: products, services, scope.",
        }
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 3}),
            "special_requirements": forms.Textarea(attrs={"rows": 2}),
            "requested_delivery_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "quantity": forms.NumberInput(attrs={"min": 0}),
            "estimated_value": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
        }
        error_messages = {
            "quantity": {"min_value": "The quantity cannot be negative."},
            "estimated_value": {"min_value": "The estimated value cannot be negative."},
            "requested_delivery_date": {"invalid": "Enter a date, e.g. 2030-05-14."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cap_quantity(self.fields["quantity"])
        self.helper = inner_form_helper(
            Fieldset(
                "What the customer needs",
                Field("title"),
                Field("scope"),
                Row(
                    Column(Field("quantity"), css_class="col-md-6"),
                    Column(Field("requested_delivery_date"), css_class="col-md-6"),
                ),
                Field("special_requirements"),
            ),
            Fieldset(
                "Value and who must be consulted",
                Row(
                    Column(Field("estimated_value"), css_class="col-md-8"),
                    Column(Field("currency"), css_class="col-md-4"),
                ),
                Field("involves_production"),
                Field("involves_delivery"),
                Field("special_payment_terms"),
            ),
        )

    def clean_estimated_value(self):
        value = self.cleaned_data.get("estimated_value")
        if value is not None and value < 0:
            raise forms.ValidationError("The estimated value cannot be negative.")
        return value

    def clean_requested_delivery_date(self):
        value = self.cleaned_data.get("requested_delivery_date")
        # An old deal keeps its date; a date that is set now must still lie ahead.
        if value and "requested_delivery_date" in self.changed_data and value < timezone.localdate():
            raise forms.ValidationError("The requested delivery date cannot be in the past.")
        return value


class OwnerChoiceField(ModelChoiceField):
    iterator = ReadOnceChoices

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class DealFilterForm(forms.Form):
    """The list's search and filters; an invalid value is simply not applied."""

    q = forms.CharField(
        max_length=100,
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title or customer"}),
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open (preparing, ready, negotiating)"), *DealStatus.choices],
        required=False,
    )
    owner = OwnerChoiceField(queryset=User.objects.none(), required=False, empty_label="Any owner")
    archived = forms.ChoiceField(
        choices=[("", "Hide archived"), ("include", "Include archived"), ("only", "Only archived")],
        required=False,
        label="Archived deals",
    )

    def __init__(self, *args, owners, archived=False, **kwargs):
        """``archived``: whether the user may list archived deals (managers); else no such filter."""
        super().__init__(*args, **kwargs)
        if not archived:
            del self.fields["archived"]
        self.fields["owner"].queryset = owners
        # Read once: for the choices, and to see whether there is a choice at all.
        owners = self.fields["owner"].queryset
        # The URL says ?from=…&to=…; "from" is a Python keyword, so these are added here.
        for name, label in (("from", "Next meeting from"), ("to", "to")):
            self.fields[name] = DateField(
                required=False,
                label=label,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # A rep who sees only their own deals has no owner to choose between.
        columns = [Column(Field("q"), css_class="col-md-4"), Column(Field("status"), css_class="col-md-2")]
        if len(owners) > 1:
            columns.append(Column(Field("owner"), css_class="col-md-2"))
        else:
            del self.fields["owner"]
            columns[0].css_class = "col-md-6"
        columns += [Column(Field("from"), css_class="col-md-2"), Column(Field("to"), css_class="col-md-2")]
        rows = [Row(*columns)]
        if "archived" in self.fields:
            rows.append(Row(Column(Field("archived"), css_class="col-md-3")))
        self.helper.layout = Layout(*rows)

    def filters(self) -> dict:
        """The values that are valid; the others are dropped, never an error page."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
