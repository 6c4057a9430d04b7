"""Who imports, and whose import jobs one sees: a rep imports into the teams where they are a rep
(the deals become theirs, as on the new-deal page), and sees only their own jobs."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from deals.access.memberships import memberships_of
from deals.models import ImportJob
from teams.models import Role, Team, User


def import_teams(*, user: User) -> list[Team]:
    """The teams the user may import into: those where they are a rep."""
    return list(Team.objects.filter(pk__in=memberships_of(user).teams(Role.REP)).order_by("name"))


def require_importer(*, user: User) -> list[Team]:
    teams = import_teams(user=user)
    if not teams:
        raise PermissionDenied("Only sales reps import customers and deals: the deals become theirs.")
    return teams


def import_job_for_owner(*, user: User, pk: int) -> ImportJob:
    """The user's own import job; 404 for anyone else's (a job holds the customers of a file)."""
    return get_object_or_404(
        ImportJob.objects.select_related("team").defer("content"), pk=pk, owner_id=user.pk
    )
