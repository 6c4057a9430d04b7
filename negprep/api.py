"""What every endpoint of the REST API shares: JSON errors keyed by field, pagination, and the
revision in ``ETag`` / ``If-Match``.

Errors always read ``{"errors": {"field": ["message", ...]}}``; a message about no one field is
under ``non_field_errors``. The services' refusals map to statuses: ``Invalid`` 400, ``NotAllowed``
403, ``Stale`` 412; an object the user may not see is 404, as on the pages.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import classonlymethod
from rest_framework import exceptions, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from negprep.errors import Invalid, NotAllowed, Stale

NON_FIELD = "non_field_errors"


class Pagination(LimitOffsetPagination):
    """``?limit=`` (at most 100, 25 unless asked) and ``?offset=``."""

    default_limit = 25
    max_limit = 100


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send If-Match with the ETag (the revision) of the record you read."
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed after you read it: read it again (its ETag is its revision)."
    default_code = "precondition_failed"


def etag(revision: int) -> str:
    return f'"{revision}"'


def if_match(request) -> int:
    """The revision the client read, from ``If-Match``: 428 when it is missing, 412 when it is no
    revision at all (it can match no record)."""
    raw = request.headers.get("If-Match")
    if raw is None or not raw.strip():
        raise PreconditionRequired()
    value = raw.strip()
    value = value.removeprefix("W/").strip().strip('"')
    if not value.isdigit() or len(value) > 12:
        raise PreconditionFailed(f"If-Match {raw[:40]!r} is not the ETag of this record.")
    return int(value)


def _flatten(data, prefix: str = "") -> dict[str, list[str]]:
    """DRF's error data (a dict of lists, nested dicts or a bare list) as ``{"field": [texts]}``."""
    if isinstance(data, dict):
        if set(data) == {"detail"} and not prefix:
            return {NON_FIELD: [str(data["detail"])]}
        flat: dict[str, list[str]] = {}
        for name, value in data.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            for field, texts in _flatten(value, key).items():
                flat.setdefault(field, []).extend(texts)
        return flat
    if isinstance(data, list | tuple):
        flat = {}
        for index, value in enumerate(data):
            key = f"{prefix}.{index}" if prefix and isinstance(value, dict) else prefix
            for field, texts in _flatten(value, key).items():
                flat.setdefault(field, []).extend(texts)
        return flat
    return {prefix or NON_FIELD: [str(data)]}


def errors_response(field_messages: dict, status_code: int, headers=None) -> Response:
    errors = {(name or NON_FIELD): [str(text) for text in texts] for name, texts in field_messages.items()}
    return Response({"errors": errors}, status=status_code, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, Stale):
        return errors_response(exc.field_messages, status.HTTP_412_PRECONDITION_FAILED)
    if isinstance(exc, NotAllowed):
        return errors_response(exc.field_messages, status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Invalid):
        return errors_response(exc.field_messages, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return errors_response({NON_FIELD: ["Not found."]}, status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        message = str(exc) or "You may not do this."
        return errors_response({NON_FIELD: [message]}, status.HTTP_403_FORBIDDEN)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {"errors": _flatten(response.data)}
    return response


class ApiView(APIView):
    """An endpoint of the API. Django's login-required middleware leaves it alone: a token
    request has no session, so DRF authenticates it (401 with ``WWW-Authenticate`` when it
    cannot)."""

    @classonlymethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.login_required = False
        return view

    def finalize_response(self, request, response, *args, **kwargs):
        """No answer is stored by a browser or proxy: the middleware that says so for the pages sees
        a token's request before DRF has authenticated it."""
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
