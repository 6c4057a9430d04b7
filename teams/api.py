"""The user's own notifications in the REST API (teams never imports deals: the deals endpoints
live in ``deals.api``)."""

from django import forms
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from negprep.api import ApiView, Pagination
from teams.models import Notification
from teams.notifications.selectors import notification_for_user, notifications_for_user


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.BooleanField(source="is_unread")

    class Meta:
        model = Notification
        fields = ["id", "team", "kind", "title", "body", "url", "topic", "created_at", "read_at", "unread"]


class NotificationFilters(forms.Form):
    updated_since = forms.DateTimeField(required=False)
    team = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = forms.ChoiceField(required=False, choices=[("", "all"), ("unread", "unread"), ("read", "read")])


class NotificationList(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("updated_since", str, description="ISO date-time: only those created since."),
            OpenApiParameter("team", int),
            OpenApiParameter("status", str, enum=["unread", "read"]),
        ],
        responses=NotificationSerializer(many=True),
    )
    def get(self, request):
        """The user's own inbox, newest first."""
        form = NotificationFilters(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(dict(form.errors))
        chosen = form.cleaned_data
        rows = notifications_for_user(user=request.user, unread_only=chosen["status"] == "unread")
        if chosen["status"] == "read":
            rows = rows.filter(read_at__isnull=False)
        if chosen["updated_since"]:
            rows = rows.filter(created_at__gte=chosen["updated_since"])
        if chosen["team"]:
            rows = rows.filter(team_id=chosen["team"])
        paginator = Pagination()
        shown = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(shown, many=True).data)


class NotificationDetail(ApiView):
    @extend_schema(responses=NotificationSerializer)
    def get(self, request, pk):
        notification = notification_for_user(user=request.user, pk=pk)
        return Response(NotificationSerializer(notification).data)
