"""Who may see and who may change what: every access rule of NegPrep, in one place.

Each resource has a read gate (``*_for_user``: the object, or 404 for whoever may not see
its deal) and, where it can be changed, a write gate (``*_for_owner`` and the like: 404 for
outsiders, 403 for those who see it but may not change it). The ``can_*`` and ``is_*``
predicates answer the same questions for templates and services. Views and services import
from here and copy nothing.

The rules (DESIGN.md, "Who sees what"), always within the user's own teams:

- managers see every deal of the teams they manage;
- reps see the deals they own in the teams where they are a rep;
- production, supply chain and finance see a deal once a consultation of their department is
  asked of their team's queue, and anyone sees a deal once a consultation is asked of them;
- finance also sees the deals with payment-term requests;
- colleagues co-negotiating, on call or asked to come along see the deals of those meetings;
- the owning rep and the team's managers close a deal, archive it and restore it; an archived
  deal still opens for all who saw it, read-only for everyone, and only the team's managers list
  it (``listed_deals``).

The user's memberships are read once per user object (that is, once per request) and the
visibility query is built with their team ids: every branch starts from an index (the teams,
the owner, or the user's own consultations, meetings and cover requests), so its cost follows
what the user may see, not the size of the database.

The rules live in three modules (memberships, deals, records); this package is their one
interface: import every gate and predicate from ``deals.access``.
"""

from deals.access.deals import (  # noqa: F401
    InSubquery,
    among_deals,
    can_ask_guidelines,
    can_close_deal,
    can_decide_briefing,
    can_edit_deal,
    can_give_guidelines,
    can_list_archived,
    can_waive_consultation,
    deal_for_closing,
    deal_for_guidelines,
    deal_for_owner,
    deal_for_user,
    deal_in_full,
    deals_for_user,
    in_teams,
    listed_deals,
    may_see_deal,
    refusal,
    sees_whole_deal,
)
from deals.access.imports import import_job_for_owner, import_teams, require_importer  # noqa: F401
from deals.access.live import (  # noqa: F401
    LiveSeat,
    live_question_for_user,
    live_question_in,
    live_seat,
    meeting_for_live,
    meeting_for_live_again,
)
from deals.access.memberships import (  # noqa: F401
    Memberships,
    has_role_anywhere,
    is_finance,
    is_manager,
    memberships_of,
    require_finance,
    require_manager,
    roles_in_team,
)
from deals.access.records import (  # noqa: F401
    can_answer_consultation,
    co_negotiator_request_for_user,
    consultation_for_answer,
    consultation_for_owner,
    consultation_for_user,
    consultation_for_waiver,
    delegation_for_manager,
    delegations_for,
    meeting_for_owner,
    meeting_for_user,
    meeting_in_full,
    on_call_for_owner,
    on_call_for_user,
    payment_request_for_finance,
    payment_request_for_owner,
    payment_request_for_user,
    report_for_user,
    report_in_full,
)
from deals.access.webhooks import (  # noqa: F401
    webhook_delivery_for_manager,
    webhook_endpoint_for_manager,
    webhook_endpoints_for,
)

__all__ = [
    "InSubquery",
    "LiveSeat",
    "Memberships",
    "among_deals",
    "can_answer_consultation",
    "can_ask_guidelines",
    "can_close_deal",
    "can_decide_briefing",
    "can_edit_deal",
    "can_give_guidelines",
    "can_list_archived",
    "can_waive_consultation",
    "co_negotiator_request_for_user",
    "consultation_for_answer",
    "consultation_for_owner",
    "consultation_for_user",
    "consultation_for_waiver",
    "deal_for_closing",
    "deal_for_guidelines",
    "deal_for_owner",
    "deal_for_user",
    "deal_in_full",
    "deals_for_user",
    "delegation_for_manager",
    "delegations_for",
    "has_role_anywhere",
    "import_job_for_owner",
    "import_teams",
    "in_teams",
    "listed_deals",
    "live_question_for_user",
    "live_question_in",
    "live_seat",
    "is_finance",
    "is_manager",
    "may_see_deal",
    "meeting_for_live",
    "meeting_for_live_again",
    "meeting_for_owner",
    "meeting_for_user",
    "meeting_in_full",
    "memberships_of",
    "on_call_for_user",
    "payment_request_for_finance",
    "payment_request_for_user",
    "refusal",
    "report_for_user",
    "report_in_full",
    "require_finance",
    "require_importer",
    "require_manager",
    "roles_in_team",
    "sees_whole_deal",
    "webhook_delivery_for_manager",
    "webhook_endpoint_for_manager",
    "webhook_endpoints_for",
]
