"""Webhooks belong to a team: only its managers see its endpoints and their deliveries; everyone else
gets a 404, as for a record of another team."""

from django.db.models import QuerySet
from django.http import Http404

from deals.access.memberships import memberships_of
from deals.models import WebhookDelivery, WebhookEndpoint
from teams.models import Role, User


def webhook_endpoints_for(*, user: User) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the teams the user manages."""
    return WebhookEndpoint.objects.filter(team_id__in=memberships_of(user).teams(Role.MANAGER))


def webhook_endpoint_for_manager(*, user: User, pk: int) -> WebhookEndpoint:
    """The endpoint, for a manager of its team; 404 for anyone else."""
    endpoint = webhook_endpoints_for(user=user).select_related("team", "updated_by").filter(pk=pk).first()
    if endpoint is None:
        raise Http404("No such endpoint.")
    return endpoint


def webhook_delivery_for_manager(*, user: User, pk: int) -> WebhookDelivery:
    """A delivery to one of the endpoints of the teams the user manages; 404 otherwise."""
    delivery = (
        WebhookDelivery.objects.filter(endpoint__in=webhook_endpoints_for(user=user), pk=pk)
        .select_related("endpoint", "event")
        .first()
    )
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery
