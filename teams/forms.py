import functools
from collections import defaultdict
from importlib import resources

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.template.loader import render_to_string

from negprep.forms import RevisionForm
from teams.models import User
from teams.notifications import email_only


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Sign in", css_class="w-100"))


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Change password"))


@functools.cache
def time_zone_choices() -> list:
    """The time zones people live in, grouped by region: the zones of the tz database's
    zone.tab, without the old aliases and abbreviations that zoneinfo also knows."""
    table = (resources.files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")
    names = {line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")}
    regions = defaultdict(list)
    for name in sorted(names):
        region, _, place = name.partition("/")
        regions[region].append((name, place.replace("_", " ").replace("/", " / ")))
    return [("UTC", "UTC"), *((region, regions[region]) for region in sorted(regions))]


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the e-mail sent through the outbox: when the mail
    server refuses, the link is retried and sent later instead of lost."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        text = render_to_string(email_template_name, context)
        html = render_to_string(html_email_template_name, context) if html_email_template_name else ""
        email_only(recipient=context["user"], kind="password_reset", subject=subject, text=text, html=html)


class ProfileForm(RevisionForm, forms.ModelForm):
    """The user's own profile; it carries its revision, so a page opened before another tab's save
    does not overwrite it."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "time_zone", "email_reminders"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = "Notifications and reminders are sent here."
        choices = time_zone_choices()
        current = self.instance.time_zone
        listed = {"UTC"} | {name for _, group in choices[1:] for name, _ in group}
        if current and current not in listed:
            # An older name stays selectable for whoever has it.
            choices = [(current, current.replace("_", " ")), *choices]
        self.fields["time_zone"].choices = choices
        self.fields["time_zone"].help_text = "Times are shown, and reminders dated, in this time zone."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The template renders the revision (and what differs after a stale save) itself.
        self.helper.layout = Layout(*self.Meta.fields)
        self.helper.add_input(Submit("submit", "Save profile"))
