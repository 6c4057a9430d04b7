from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from teams.models import Membership, Role, Team, User


@dataclass
class TeamRoles:
    """The roles one user holds in one team, in a stable display order."""

    team: Team
    roles: list[str] = field(default_factory=list)

    @property
    def role_labels(self) -> list[str]:
        return [Role(role).label for role in self.roles]

    def has(self, role: str) -> bool:
        return role in self.roles


_ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}


def teams_for_user(*, user: User) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user).distinct()


_TEAM_ROLES = "_negprep_team_roles"


def team_roles_for_user(*, user: User) -> list[TeamRoles]:
    """Every team of the user with the roles held there, in one query.

    Read once per user object (that is, once per request): the navigation bar and the access
    rules (``deals.access.memberships_of``) both start from it.
    """
    if not user.is_authenticated:
        return []
    cached = getattr(user, _TEAM_ROLES, None)
    if cached is not None:
        return cached
    by_team: dict[int, TeamRoles] = {}
    memberships = Membership.objects.filter(user=user).select_related("team").order_by("team__name")
    for membership in memberships:
        entry = by_team.setdefault(membership.team_id, TeamRoles(team=membership.team))
        entry.roles.append(membership.role)
    for entry in by_team.values():
        entry.roles.sort(key=_ROLE_ORDER.__getitem__)
    entries = list(by_team.values())
    setattr(user, _TEAM_ROLES, entries)
    return entries


def user_has_role(*, user: User, team_id: int, role: str) -> bool:
    """Whether the user holds the role in the team (from the memberships read once per request)."""
    return any(entry.team.pk == team_id and entry.has(role) for entry in team_roles_for_user(user=user))


def team_for_user(*, user: User, pk: int) -> Team:
    """The team, if the user is a member of it; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(teams_for_user(user=user), pk=pk)


def members_with_role(*, team: Team, role: str) -> QuerySet[User]:
    return User.objects.filter(memberships__team=team, memberships__role=role, is_active=True).distinct()
