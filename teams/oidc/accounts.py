"""The person behind a provider's sign-in: found by verified e-mail, created when the deployment
allows it, and given the team roles the provider's groups claim lists."""

import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from teams.models import Membership, Role, Team, User
from teams.oidc.provider import SignInRefused

log = logging.getLogger(__name__)

# A group that gives a team role: "negprep:<team name>:<role>", e.g. "negprep:Northwind:manager".
GROUP_PREFIX = "negprep:"
# Groups read from one claim at most; a provider may list hundreds that are not NegPrep's.
MOST_GROUPS = 500
# What Django's user name validator refuses (it accepts word characters and @.+-).
NOT_IN_USERNAMES = re.compile(r"[^\w.@+-]")


def user_for_claims(*, claims: dict, provider: str) -> User:
    """The active user whose e-mail the provider verified (created if NEGPREP_OIDC_CREATE_USERS),
    with the memberships of the groups claim; ``SignInRefused`` for anyone else."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(
            f"{provider} did not tell NegPrep your e-mail address, so nobody was signed in. "
            "Ask your administrator."
        )
    email = email.strip()
    # Only a verified address says who someone is: anybody can type an unverified one.
    if claims.get("email_verified") is not True:
        raise SignInRefused(
            f"{provider} has not verified your e-mail address {email}, so NegPrep cannot tell which "
            f"account is yours. Verify it with {provider}, then sign in again."
        )
    user = _matching_user(email) or _new_user(claims=claims, email=email, provider=provider)
    if not user.is_active:
        raise SignInRefused("Your NegPrep account is deactivated. Ask your administrator to reactivate it.")
    claim = settings.NEGPREP_OIDC_GROUPS_CLAIM
    # A claim the provider left out says nothing: the memberships stay as they are.
    if claim and claim in claims:
        memberships_sync(user=user, grants=grants_from_groups(claims[claim]))
    return user


def _matching_user(email: str) -> User | None:
    matches = list(User.objects.filter(email__iexact=email).order_by("pk")[:2])
    if len(matches) > 1:
        raise SignInRefused(
            f"Several NegPrep accounts have the e-mail address {email}, so NegPrep cannot tell which "
            "one is yours. Ask your administrator to give each account its own address."
        )
    return matches[0] if matches else None


def _new_user(*, claims: dict, email: str, provider: str) -> User:
    if not settings.NEGPREP_OIDC_CREATE_USERS:
        raise SignInRefused(
            f"There is no NegPrep account for {email}. Ask your administrator to create one for this "
            f"address; then sign in with {provider} again."
        )
    try:
        with transaction.atomic():
            user = User(
                username=_free_username(email),
                email=email,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
            )
            # Someone created at sign-in has no password until they set one with a reset link.
            user.set_unusable_password()
            user.save()
    except IntegrityError:
        # The same person signing in twice at once: the other sign-in created the account.
        user = _matching_user(email)
        if user is None:
            raise
    log.info("OpenID Connect: created user %s for %s", user.pk, email)
    return user


def _free_username(email: str) -> str:
    """The e-mail address in lower case as a user name Django accepts (letters, digits and @.+-_: an
    address may hold other characters), numbered when it is taken."""
    base = NOT_IN_USERNAMES.sub("-", email.lower())[:140]
    taken = set(
        User.objects.annotate(lowered=Lower("username"))
        .filter(lowered__startswith=base)
        .values_list("lowered", flat=True)[:1000]
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def grants_from_groups(groups) -> set[tuple[str, str]]:
    """(team name in lower case, role) of each NegPrep group in the claim; other groups, and
    NegPrep groups naming no role, are left out."""
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        return set()
    grants = set()
    for group in groups[:MOST_GROUPS]:
        if not isinstance(group, str) or not group.lower().startswith(GROUP_PREFIX):
            continue
        team, _, role = group[len(GROUP_PREFIX) :].rpartition(":")
        role = role.strip().lower()
        if not team.strip() or role not in Role.values:
            log.warning("OpenID Connect: group %r names no team and role of NegPrep", group)
            continue
        grants.add((team.strip().lower(), role))
    return grants


@transaction.atomic
def memberships_sync(*, user: User, grants: set[tuple[str, str]]) -> None:
    """Give ``user`` the roles ``grants`` lists and remove those an earlier sign-in gave that it
    no longer lists. Memberships added by hand stay; a team NegPrep does not have is skipped."""
    names = {team for team, _ in grants}
    teams = {
        team.lowered: team for team in Team.objects.annotate(lowered=Lower("name")).filter(lowered__in=names)
    }
    for unknown in sorted(names - teams.keys()):
        log.warning("OpenID Connect: the groups of %s name an unknown team: %r", user.pk, unknown)
    wanted = {(teams[team].pk, role) for team, role in grants if team in teams}
    held = {(m.team_id, m.role): m for m in Membership.objects.select_for_update().filter(user=user)}
    stale = [m.pk for key, m in held.items() if m.from_sign_in and key not in wanted]
    if stale:
        Membership.objects.filter(pk__in=stale).delete()
    Membership.objects.bulk_create(
        [
            Membership(user=user, team_id=team_id, role=role, from_sign_in=True)
            for team_id, role in sorted(wanted - held.keys())
        ],
        ignore_conflicts=True,
    )
