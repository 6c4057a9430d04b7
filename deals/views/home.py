"""The home page: what each of the user's roles in each team has to do now."""

from django.shortcuts import render

from deals.selectors.home import home_panels
from teams.models import Role
from teams.selectors import team_roles_for_user

ROLE_INTRODUCTIONS = {
    Role.REP: (
        "Prepare your deals: ask your managers for guidelines and have them approve the "
        "briefing's limits and pitch points, ask production and supply chain what the deal "
        "needs, request payment terms from finance, arrange on-call cover and a co-negotiator "
        "for the final round. After each meeting you file the report."
    ),
    Role.MANAGER: (
        "Give guidelines and approve or return your reps' limits and pitch points, both "
        "from the same card, waive a consultation when it is not needed, and read the "
        "reports. Escalations reach you here when a meeting nears and something is still missing."
    ),
    Role.PRODUCTION: (
        "Answer the feasibility questions your sales team asks: can we make it, what is "
        "missing, and how long it takes to mobilise."
    ),
    Role.SUPPLY_CHAIN: (
        "Answer the delivery questions your sales team asks: can we deliver by the date, "
        "what is missing, and the lead time."
    ),
    Role.FINANCE: (
        "Decide payment-term requests against your team's policy: each is finance's one "
        "item on its deal. Answer what your sales team asks beyond the payment terms."
    ),
}


def home(request):
    team_roles = team_roles_for_user(user=request.user)
    sections = [
        {
            "team": entry.team,
            "roles": [
                {"value": role, "label": Role(role).label, "intro": ROLE_INTRODUCTIONS[role]}
                for role in entry.roles
            ],
        }
        for entry in team_roles
    ]
    context = {"sections": sections}
    roles = {role for entry in team_roles for role in entry.roles}
    context.update(home_panels(user=request.user, roles=roles))
    return render(request, "deals/home.html", context)
