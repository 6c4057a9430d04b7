from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.db.models import Q
from django.utils import timezone

from deals.models import Contact, Meeting
from deals.services.meetings import validate_meeting_place, validate_meeting_times
from negprep.errors import Invalid
from negprep.forms import DateTimeField, ModelMultipleChoiceField, RevisionForm, one_of, show_refusal

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_input():
    # The browser sends local wall-clock time; Django reads it in the active
    # time zone, which the middleware set to the user's own.
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def _to_minute(value):
    return value.replace(second=0, microsecond=0)


class FirstMeetingForm(forms.ModelForm):
    """When, where and at which stage we meet; the contacts come from elsewhere."""

    video_link = forms.URLField(
        label="Video link",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Teams, Zoom or Meet link, if the meeting is (also) online.",
    )

    class Meta:
        model = Meeting
        fields = ["starts_at", "ends_at", "stage", "location", "video_link"]
        labels = {"starts_at": "Starts at", "ends_at": "Ends at"}
        widgets = {"starts_at": _datetime_input(), "ends_at": _datetime_input()}
        field_classes = {"starts_at": DateTimeField, "ends_at": DateTimeField}
        help_texts = {"location": "Address or room, if we meet in person."}

    # A meeting that keeps its start may already have begun; only a new start is checked.
    check_start_always = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].error_messages["invalid"] = "Enter a date and time, e.g. 2030-05-14 14:30."
        if self.check_start_always:
            now = timezone.localtime().strftime(DATETIME_LOCAL)
            self.fields["starts_at"].widget.attrs["min"] = now
            self.fields["ends_at"].widget.attrs["min"] = now
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*self._layout_rows())

    def _layout_rows(self):
        return [
            Row(
                Column(Field("starts_at"), css_class="col-md-4"),
                Column(Field("ends_at"), css_class="col-md-4"),
                Column(Field("stage"), css_class="col-md-4"),
            ),
            one_of(
                self,
                Row(
                    Column(Field("location"), css_class="col-md-6"),
                    Column(Field("video_link"), css_class="col-md-6"),
                ),
                legend="Where we meet",
                rule="Give a location or a video link (or both).",
                names=("location", "video_link"),
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        check_start = self.check_start_always
        if self.instance.pk:
            # The inputs drop seconds: the same minute means the time was left alone.
            for name in ("starts_at", "ends_at"):
                stored, sent = getattr(self.instance, name), cleaned.get(name)
                if stored and sent and _to_minute(stored) == _to_minute(sent):
                    cleaned[name] = stored
            check_start = cleaned.get("starts_at") != self.instance.starts_at
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        try:
            validate_meeting_times(starts_at=starts_at, ends_at=ends_at, check_start=check_start)
        except Invalid as error:
            show_refusal(self, error)
        if "location" in cleaned and "video_link" in cleaned:
            try:
                validate_meeting_place(location=cleaned["location"], video_link=cleaned["video_link"])
            except Invalid as error:
                show_refusal(self, error)
        return cleaned


class ContactChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        label = f"{obj.name} — {obj.title}" if obj.title else obj.name
        return f"{label} (archived)" if obj.is_archived else label


class MeetingForm(RevisionForm, FirstMeetingForm):
    """A meeting of an existing deal: the contacts are the deal customer's. Editing one carries its
    revision, so a save from a form loaded before someone else's is refused."""

    contacts = ContactChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who we meet",
        help_text="Contacts of the customer who attend.",
        error_messages={"invalid_choice": "Pick only contacts of this deal's customer."},
    )

    class Meta(FirstMeetingForm.Meta):
        fields = [*FirstMeetingForm.Meta.fields, "contacts"]

    def __init__(self, *args, deal, **kwargs):
        self.check_start_always = kwargs.get("instance") is None
        super().__init__(*args, **kwargs)
        # Archived contacts are offered only where they already attend, so editing keeps them.
        offered = Q(archived_at__isnull=True)
        if self.instance.pk:
            offered |= Q(pk__in=self.instance.contacts.values("pk"))
        self.fields["contacts"].queryset = Contact.objects.filter(offered, customer_id=deal.customer_id)

    def _layout_rows(self):
        return [*super()._layout_rows(), Field("contacts")]


class MeetingCancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason",
        help_text="Optional; shown on the deal's timeline.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
