from django.conf import settings
from django.utils.functional import SimpleLazyObject

from teams.notifications.selectors import notifications_unread_count
from teams.selectors import team_roles_for_user

OWN_SECTION_PAGES = frozenset(
    {
        "approvals",
        "delegations",
        "delegation_delete",
        "team_results",
        "finance_queue",
        "finance_policy",
        "payment_request",
        "consultations",
        "cover_invitations",
        "reports",
        "escalations",
        "webhooks",
        "webhook_endpoint",
    }
)


def navigation(request):
    """The user's teams, roles and unread count, for the navigation bar; queried only when used."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    team_roles = SimpleLazyObject(lambda: team_roles_for_user(user=user))

    def all_roles():
        return {role for entry in team_roles for role in entry.roles}

    return {
        "nav_team_roles": team_roles,
        "nav_roles": SimpleLazyObject(all_roles),
        "nav_unread_count": SimpleLazyObject(lambda: notifications_unread_count(user=user)),
        # No "Change password" while passwords are off, nor for someone who never had one (created
        # at single sign-on).
        "nav_password": settings.NEGPREP_PASSWORD_LOGIN and user.has_usable_password(),
        # Pages of the deals app that have their own navigation entry.
        "own_section_pages": OWN_SECTION_PAGES,
    }
