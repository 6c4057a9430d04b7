"""Meeting mode's forms: a question from the room, an answer, the notes. They read the input; the
services decide (limits of length, the meeting's window, who may)."""

from django import forms

from deals.models import NOTES_MAX_LENGTH, QuestionKind, QuickReply


class AskForm(forms.Form):
    text = forms.CharField(required=False, label="Ask the team", strip=True)
    kind = forms.ChoiceField(choices=QuestionKind.choices, required=False)
    to_managers = forms.BooleanField(required=False, label="Also ask the managers")
    client_key = forms.CharField(required=False, max_length=64)

    def clean_kind(self):
        return self.cleaned_data["kind"] or QuestionKind.FREE

    def clean_text(self):
        text = self.cleaned_data["text"]
        if "…" in text:
            raise forms.ValidationError("Fill in the \u201c…\u201d of the quick question first.")
        return text


class AnswerForm(forms.Form):
    reply = forms.ChoiceField(choices=QuickReply.choices, required=False)
    text = forms.CharField(required=False, label="Your answer", strip=True)
    beyond = forms.BooleanField(required=False, label="Beyond the approved limits")

    def clean_reply(self):
        return self.cleaned_data["reply"] or QuickReply.TEXT


class NotesForm(forms.Form):
    text = forms.CharField(required=False, strip=False, max_length=NOTES_MAX_LENGTH)
    revision = forms.IntegerField(min_value=0)
