"""The demo teams and their members, for seed_demo (the demo deals are seeded by deals)."""

from teams.models import Membership, Role, Team, User

DEMO_PASSWORD = "demo1234"  # noqa: S105 - published demo login, refused outside DEBUG

DEMO_TEAMS = {
    "Northwind Industrial Sales": {
        "rita": ("Rita", "Reyes", Role.REP, "+49 30 5550101"),
        "max": ("Max", "Morgan", Role.MANAGER, "+49 30 5550102"),
        "paul": ("Paul", "Peters", Role.PRODUCTION, "+49 30 5550103"),
        "sue": ("Sue", "Sato", Role.SUPPLY_CHAIN, "+49 30 5550104"),
        "fiona": ("Fiona", "Fischer", Role.FINANCE, "+49 30 5550105"),
    },
    "Southpeak Components": {
        "rob": ("Rob", "Rossi", Role.REP, "+44 20 5550201"),
        "mia": ("Mia", "Miller", Role.MANAGER, "+44 20 5550202"),
    },
}


def demo_people_seed() -> list[str]:
    """Create what is missing of the demo teams and their members; never change what exists.

    Returns the names of what was created, so a second run reports nothing.
    """
    created: list[str] = []
    for team_name, people in DEMO_TEAMS.items():
        team, team_created = Team.objects.get_or_create(name=team_name)
        if team_created:
            created.append(f"team {team_name}")
        for username, (first, last, role, phone) in people.items():
            user, user_created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.negprep.example",
                },
            )
            if user_created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                created.append(f"user {username}")
            Membership.objects.get_or_create(user=user, team=team, role=role, defaults={"phone": phone})
    return created


def demo_admin_seed() -> list[str]:
    """The demo staff user, unless it exists."""
    created: list[str] = []
    admin, admin_created = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "email": "admin@demo.negprep.example"},
    )
    if admin_created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
        created.append("user admin")
    return created
