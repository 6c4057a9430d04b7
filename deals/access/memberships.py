"""A user's memberships, read once per request, and the role predicates built on them."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from teams.models import Role, User
from teams.selectors import team_roles_for_user

# Memberships ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Memberships:
    """The teams a user belongs to, by role."""

    teams_by_role: dict[str, frozenset[int]] = field(default_factory=dict)

    def teams(self, role: str) -> list[int]:
        return sorted(self.teams_by_role.get(role, ()))

    @property
    def all_teams(self) -> list[int]:
        return sorted(set().union(*self.teams_by_role.values()))

    def roles_in(self, team_id: int) -> set[str]:
        return {role for role, teams in self.teams_by_role.items() if team_id in teams}

    def has(self, role: str, team_id: int) -> bool:
        return team_id in self.teams_by_role.get(role, ())


_CACHE = "_negprep_memberships"


def memberships_of(user: User) -> Memberships:
    """The user's memberships, read once and kept on the user object for the rest of the request
    (from the same query as the navigation bar's teams)."""
    if not user.is_authenticated:
        return Memberships()
    cached = getattr(user, _CACHE, None)
    if cached is None:
        by_role: dict[str, set[int]] = {}
        for entry in team_roles_for_user(user=user):
            for role in entry.roles:
                by_role.setdefault(role, set()).add(entry.team.pk)
        cached = Memberships({role: frozenset(teams) for role, teams in by_role.items()})
        setattr(user, _CACHE, cached)
    return cached


def forget_memberships(user: User) -> None:
    """Read the user's memberships afresh next time (a long-lived socket re-checking its gate)."""
    user.__dict__.pop(_CACHE, None)


# Role predicates -----------------------------------------------------------------------


def roles_in_team(*, user: User, team_id: int) -> set[str]:
    """The roles the user holds in one team."""
    return memberships_of(user).roles_in(team_id)


def has_role_anywhere(*, user: User, role: str) -> bool:
    return bool(memberships_of(user).teams(role))


def is_manager(*, user: User, team_id: int) -> bool:
    return memberships_of(user).has(Role.MANAGER, team_id)


def is_finance(*, user: User, team_id: int) -> bool:
    return memberships_of(user).has(Role.FINANCE, team_id)


def require_manager(*, user: User) -> None:
    """403 unless the user manages some team: the approval queue and delegations."""
    if not has_role_anywhere(user=user, role=Role.MANAGER):
        raise PermissionDenied("Only managers have an approval queue.")


def require_finance(*, user: User) -> None:
    """403 unless the user is finance in some team: the payment-term queue and policies."""
    if not has_role_anywhere(user=user, role=Role.FINANCE):
        raise PermissionDenied("Only finance members have a payment-term queue.")
