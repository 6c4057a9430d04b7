"""What the deals endpoints share: reading input through the pages' own forms, the revision check
of a write, lists with filters, and detail answers with their ``ETag``."""

import inspect
import json
from contextlib import contextmanager
from datetime import timedelta

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import F, QuerySet
from django.forms.models import model_to_dict
from rest_framework import serializers
from rest_framework.response import Response

from deals.selectors.lists import start_of_day
from negprep.api import NON_FIELD, Pagination, etag, if_match
from negprep.errors import Invalid
from negprep.versioning import refuse_stale


def _as_typed(value):
    """A JSON value as a form reads it from a posted form: text, a list of texts, or empty (a
    checkbox reads "true" and "false" as a browser's form sends them)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [item if isinstance(item, str) else json.dumps(item) for item in value]
    return json.dumps(value) if isinstance(value, dict) else str(value)


def body(request, *, objects=()) -> dict:
    """The JSON body, which must be an object, with its values as the pages' forms read them;
    ``objects`` names the members that are objects in turn (e.g. ``first_meeting``)."""
    if not isinstance(request.data, dict):
        raise Invalid("Send a JSON object.")
    data = {}
    for name, value in request.data.items():
        if name in objects and isinstance(value, dict):
            data[name] = {inner: _as_typed(item) for inner, item in value.items()}
        else:
            data[name] = _as_typed(value)
    return data


def valid(form: forms.BaseForm) -> dict:
    """The form's cleaned data, or a 400 with its messages keyed by field."""
    return valid_together(form)[0]


def valid_together(*forms_) -> list[dict]:
    """Each form's cleaned data, or one 400 with the messages of all of them; a form given as
    ``(prefix, form)`` has its fields named ``prefix.field``."""
    errors, cleaned = {}, []
    for item in forms_:
        prefix, form = item if isinstance(item, tuple) else ("", item)
        if listed := _lists_for_one_value(form):
            for name in listed:
                errors.setdefault(".".join(part for part in (prefix, name) if part), []).append(
                    "Send one value here, not a list."
                )
            continue
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("revision", None)
            cleaned.append(data)
            continue
        for name, texts in form.errors.items():
            field = None if name == NON_FIELD_ERRORS else name
            key = ".".join(part for part in (prefix, field) if part) or NON_FIELD
            errors.setdefault(key, []).extend(texts)
    if errors:
        raise serializers.ValidationError(errors)
    return cleaned


def _lists_for_one_value(form: forms.BaseForm) -> list[str]:
    """The fields that take one value but were sent a JSON array (a page's form never posts one)."""
    data = form.data if isinstance(form.data, dict) else {}
    return [
        name
        for name, field in form.fields.items()
        if isinstance(data.get(form.add_prefix(name)), list)
        and not getattr(field.widget, "allow_multiple_selected", False)
    ]


def merged(instance, form_class, data: dict) -> dict:
    """For a PATCH: the record's stored values for the form's fields, with the sent ones over them."""
    names = [name for name in form_class.base_fields if name != "revision"]
    stored = model_to_dict(instance, fields=names)
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise Invalid({name: ["This field cannot be changed here."] for name in unknown})
    values = {**stored, **data}
    if "revision" in form_class.base_fields:
        values["revision"] = instance.revision
    return values


def detail(data: dict, *, revision: int | None, status: int = 200) -> Response:
    headers = {"ETag": etag(revision)} if revision is not None else None
    return Response(data, status=status, headers=headers)


def takes_revision(service) -> bool:
    return "revision" in inspect.signature(service).parameters


@contextmanager
def unchanged_since(model, pk: int, revision: int, *, what: str, by):
    """Lock the record and refuse (412) when it was saved after ``revision``; for a service that does
    not take a ``revision`` itself. A save the service makes without counting it is counted here, so
    the record's ``ETag`` changes with every write."""
    with transaction.atomic():
        current = model.objects.select_for_update(of=("self",)).get(pk=pk)
        refuse_stale(current, revision, what=what)
        yield current
        counted = {"revision": F("revision") + 1}
        if hasattr(current, "updated_by_id"):
            counted["updated_by"] = by
        model.objects.filter(pk=pk, revision=current.revision).update(**counted)


def guarded(service, *, model, pk: int, request, what: str, **kwargs):
    """Call the service for a record the client read at the revision in ``If-Match``."""
    revision = if_match(request)
    if takes_revision(service):
        return service(revision=revision, **kwargs)
    with unchanged_since(model, pk, revision, what=what, by=request.user):
        return service(**kwargs)


def page(view, request, rows: QuerySet, serializer_class, **context) -> Response:
    paginator = Pagination()
    shown = paginator.paginate_queryset(rows, request, view=view)
    data = serializer_class(shown, many=True, context={"request": request, **context}).data
    return paginator.get_paginated_response(data)


class ListFilters(forms.Form):
    """The filters every list understands (each list applies those that make sense for it)."""

    updated_since = forms.DateTimeField(required=False)
    team = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = forms.CharField(required=False, max_length=32)
    meeting_from = forms.DateField(required=False)
    meeting_to = forms.DateField(required=False)

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses = list(statuses)

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status and status not in self.statuses:
            raise forms.ValidationError(f"Pick one of: {', '.join(self.statuses)}.")
        return status


def filters(request, *, statuses=()) -> dict:
    return {
        name: value
        for name, value in valid(ListFilters(request.query_params, statuses=statuses)).items()
        if value not in (None, "")
    }


def filtered(rows: QuerySet, chosen: dict, *, updated="updated_at", team="team_id", meeting=None):
    if "updated_since" in chosen:
        rows = rows.filter(**{f"{updated}__gte": chosen["updated_since"]})
    if "team" in chosen and team:
        rows = rows.filter(**{team: chosen["team"]})
    if meeting and "meeting_from" in chosen:
        rows = rows.filter(**{f"{meeting}__gte": start_of_day(chosen["meeting_from"])})
    if meeting and "meeting_to" in chosen:
        rows = rows.filter(**{f"{meeting}__lt": start_of_day(chosen["meeting_to"] + timedelta(days=1))})
    return rows
