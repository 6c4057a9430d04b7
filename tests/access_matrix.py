"""Who may open which URL: one entry per named URL of the project.

Every URL in the URLconf must have an entry here, or
``test_every_url_is_in_the_access_matrix`` fails. An entry builds the URL
from the test world (tests/conftest.py) and says what each kind of visitor
gets:

- ``LOGIN``: redirected to the login page (the answer for anonymous visitors
  on every page that is not public);
- an HTTP status code such as 200, 302, 403, 404 or 405.

An entry tests one method; ``also`` holds entries for the URL's other methods (the API's PATCH
beside its GET). ``json`` sends ``data`` as a JSON body and ``headers(world)`` adds request
headers (the API's ``If-Match``). The API's entries are in tests/access_matrix_api.py.

Visitors: anonymous, one member per role of the team that owns the objects,
``outsider`` (a manager of another team) and ``staff`` (a Django superuser who
is in no team).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

LOGIN = "login"
ROLES = ("rep", "manager", "production", "supply_chain", "finance")
VISITORS = ("anonymous", *ROLES, "outsider", "staff")


def expect(anonymous=LOGIN, *, members, outsider=None, staff=None, **per_role):
    """Expected answers: ``members`` for every role unless named in ``per_role``."""
    answers = {"anonymous": anonymous}
    for role in ROLES:
        answers[role] = per_role.get(role, members)
    answers["outsider"] = members if outsider is None else outsider
    answers["staff"] = members if staff is None else staff
    return answers


@dataclass(frozen=True)
class Entry:
    url: Callable
    answers: dict
    method: str = "GET"
    data: dict | str = field(default_factory=dict)
    # A body that is not a form (``data`` then is the body as a string).
    content_type: str | None = None
    # The API's: ``data`` sent as JSON, request headers from the world (``If-Match``), and entries
    # for the URL's other methods (its PATCH beside its GET).
    json: bool = False
    headers: Callable | None = None
    also: tuple = ()

    def send(self, client, url, world=None):
        """This entry's request to ``url``: its method, its data and, if set, its content type and
        headers (which need the ``world``)."""
        call = {"GET": client.get, "POST": client.post, "PATCH": client.patch}[self.method]
        options = {"headers": self.headers(world)} if self.headers and world is not None else {}
        if self.json:
            return call(url, json.dumps(self.data), content_type="application/json", **options)
        if self.content_type:
            options["content_type"] = self.content_type
        return call(url, self.data, **options)


def _plain(name):
    return lambda world: reverse(name)


def _rep_notification(world):
    """A notification addressed to the team's rep (created once per world)."""
    from teams.models import EmailStatus, Notification

    notification, _ = Notification.objects.get_or_create(
        recipient=world.members["rep"],
        kind="access_matrix",
        defaults={"title": "Access matrix check", "url": "/", "email_status": EmailStatus.SKIPPED},
    )
    return notification


def _deal_url(name):
    """A URL of the world's deal (owned by the team's rep)."""
    return lambda world: reverse(name, args=[world.objects["deal"].pk])


def _meeting_url(name):
    return lambda world: reverse(name, args=[world.objects["meeting"].pk])


def _contact_url(name):
    """A URL of the world's contact, reached from the world's deal."""
    return lambda world: reverse(name, args=[world.objects["deal"].pk, world.objects["contact"].pk])


def _import_job_url(name):
    """A URL of an import job of the team's rep, checked and waiting for the rep's go."""

    def url(world):
        from deals.models import ImportJob, ImportStatus

        job, _ = ImportJob.objects.get_or_create(
            owner=world.members["rep"],
            team=world.team,
            file_name="crm.csv",
            defaults={
                "file_format": "csv",
                "content": b"customer_name\nAcme\n",
                "status": ImportStatus.CHECKED,
            },
        )
        return reverse(name, args=[job.pk])

    return url


# The deal is seen by its owner and the team's managers; departments see it
# only once they hold a consultation on it; outsiders and staff never.
DEAL_READERS = expect(members=404, rep=200, manager=200, production=404, supply_chain=404, finance=404)
# Only the owning rep changes the deal; a manager sees it but may not (403).
OWNER_EDITS = expect(members=404, rep=200, manager=403)
OWNER_POSTS = expect(members=404, rep=302, manager=403)
MANAGERS_ONLY = expect(members=403, manager=200, outsider=200)
# The owner and the team's managers close, archive and restore a deal; the matrix's deal is open, so
# archiving it is refused with a message and restoring it changes nothing (both redirect).
CLOSERS_EDIT = expect(members=404, rep=200, manager=200)
CLOSERS_POST = expect(members=404, rep=302, manager=302)


def _delegation(world):
    """A delegation by the team's manager to a second manager of the team."""
    from datetime import timedelta

    from django.utils import timezone

    from deals.models import ApprovalDelegation
    from teams.models import Membership, Role, User

    deputy, _ = User.objects.get_or_create(username="deputy_manager")
    Membership.objects.get_or_create(user=deputy, team=world.team, role=Role.MANAGER)
    today = timezone.localdate()
    delegation, _ = ApprovalDelegation.objects.get_or_create(
        team=world.team,
        manager=world.members["manager"],
        delegate=deputy,
        defaults={"starts_on": today, "ends_on": today + timedelta(days=7)},
    )
    return delegation


def _webhook(world):
    """An endpoint of the team's webhooks (nothing listens at its address)."""
    from deals.models import WebhookEndpoint

    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        team=world.team,
        url="http://127.0.0.1:9/hooks",
        defaults={"events": ["deal.ready"], "secret": "s" * 64, "created_by": world.members["manager"]},
    )
    return endpoint


def _webhook_delivery(world):
    """A delivery of a test event to the team's endpoint."""
    from django.utils import timezone

    from deals.models import WebhookDelivery, WebhookEvent

    endpoint = _webhook(world)
    now = timezone.now()
    event = WebhookEvent.objects.create(type="webhook.test", team=world.team, payload={}, created_at=now)
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, next_attempt_at=now, give_up_at=now, created_at=now
    )


def _webhook_url(name):
    return lambda world: reverse(name, args=[_webhook(world).pk])


# A team's webhooks are its managers' alone: everyone else, the other team's manager included, gets 404.
WEBHOOK_MANAGERS = expect(members=404, manager=200)
WEBHOOK_MANAGERS_POST = expect(members=404, manager=302)


def _on_call(world):
    """The production member asked to be on call for the world's meeting."""
    from deals.models import OnCall

    meeting = world.objects["meeting"]
    on_call, _ = OnCall.objects.get_or_create(
        meeting=meeting,
        member=world.members["production"],
        defaults={
            "topic": "technical specs",
            "phone": "+49 30 1234567",
            "available_from": meeting.starts_at,
            "available_to": meeting.ends_at,
        },
    )
    return on_call


def _co_negotiator_request(world):
    """The team's manager asked to come along to the world's meeting."""
    from deals.models import CoNegotiatorRequest

    request, _ = CoNegotiatorRequest.objects.get_or_create(
        meeting=world.objects["meeting"], member=world.members["manager"]
    )
    return request


def _live_question(world):
    """A question the rep asked from the world's meeting (created once per world)."""
    from deals.models import LiveQuestion

    question, _ = LiveQuestion.objects.get_or_create(
        meeting=world.objects["meeting"],
        sequence=1,
        defaults={"asked_by": world.members["rep"], "text": "Can we deliver by Friday?"},
    )
    return question


# The meeting's socket (negprep/asgi.py), checked by tests/test_access_matrix.py: "accept", or the
# close code the socket answers with (4401 signed out, 4403 not one of the meeting's people).
SOCKET_ACCESS = {
    "anonymous": 4401,
    "rep": "accept",
    "manager": "accept",
    "production": 4403,
    "supply_chain": 4403,
    "finance": 4403,
    "outsider": 4403,
    "staff": 4403,
}


# Only a manager decides; the owner sees the deal but may not decide (403).
MANAGER_POSTS = expect(members=404, rep=403, manager=302)


# Payment terms: finance of the team sees the deal once it has a request.
def _payment_request(world):
    """An outside-policy request of the team's rep, waiting for finance (created once per world)."""
    from deals.models import PaymentTermRequest

    request, _ = PaymentTermRequest.objects.get_or_create(
        deal=world.objects["deal"],
        defaults={
            "requested_by": world.members["rep"],
            "net_days": 60,
            "customer_reason": "Cash flow after a large investment",
            "justification": "Strategic customer, pays reliably",
            "outside_policy": True,
            "policy_breaches": ["60 net days exceed the standard 30"],
        },
    )
    return request


def _payment_request_url(name):
    return lambda world: reverse(name, args=[_payment_request(world).pk])


# Only finance of the team decides; the owner and managers see the deal but may not (403).
FINANCE_DECIDES = expect(members=404, rep=403, manager=403, finance=200)
FINANCE_ONLY = expect(members=403, finance=200)


# Consultations: a department sees the deal once something is asked of it or its queue.
def _production_consultation(world):
    """A required production consultation on the world's deal, asked of the production
    queue and due in two days (created once per world)."""
    from datetime import timedelta

    from django.utils import timezone

    from deals.models import Consultation, ConsultationStatus, Department

    consultation, _ = Consultation.objects.get_or_create(
        deal=world.objects["deal"],
        department=Department.PRODUCTION,
        required=True,
        defaults={
            "status": ConsultationStatus.REQUESTED,
            "questions": "Can we make 500 valves HV-200 by June?",
            "due_at": timezone.now() + timedelta(days=2),
            "requested_by": world.members["rep"],
            "requested_at": timezone.now(),
        },
    )
    return consultation


def _consultation_url(name):
    return lambda world: reverse(name, args=[_production_consultation(world).pk])


# Reports: a meeting of the world's deal that took place, and the rep's report on it.
def _past_meeting(world):
    """A meeting of the world's deal two days ago (created once per world)."""
    from datetime import timedelta

    from django.utils import timezone

    from deals.models import Meeting

    starts_at = timezone.now().replace(microsecond=0) - timedelta(days=2)
    meeting, _ = Meeting.objects.get_or_create(
        deal=world.objects["deal"],
        location="Access matrix: past meeting",
        defaults={"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2)},
    )
    return meeting


def _report(world):
    """The rep's report on the past meeting (created once per world)."""
    from deals.models import NegotiationReport, ReportOutcome

    report, _ = NegotiationReport.objects.get_or_create(
        meeting=_past_meeting(world),
        defaults={"filed_by": world.members["rep"], "outcome": ReportOutcome.CONTINUE},
    )
    return report


ACCESS_MATRIX: dict[str, Entry] = {
    # Public pages.
    "healthz": Entry(_plain("healthz"), expect(200, members=200)),
    # A redirect to the static icon, for everyone.
    "favicon": Entry(_plain("favicon"), expect(302, members=302)),
    # Browsers report Content-Security-Policy violations here, signed in or not.
    "csp_report": Entry(
        _plain("csp_report"),
        expect(204, members=204),
        method="POST",
        data='{"csp-report": {"document-uri": "https://negprep.example.com/", "blocked-uri": "inline"}}',
        content_type="application/csp-report",
    ),
    "login": Entry(_plain("login"), expect(200, members=302)),
    # Single sign-on: 404 while NEGPREP_OIDC_ISSUER is unset, as here (tests/sso/ sets it).
    "sso_start": Entry(_plain("sso_start"), expect(404, members=404)),
    "sso_callback": Entry(
        lambda w: reverse("sso_callback") + "?code=a-code&state=a-state", expect(404, members=404)
    ),
    "password_reset": Entry(_plain("password_reset"), expect(200, members=200)),
    "password_reset_done": Entry(_plain("password_reset_done"), expect(200, members=200)),
    # An invalid link shows "this link no longer works" to everyone.
    "password_reset_confirm": Entry(
        lambda w: reverse("password_reset_confirm", args=["MQ", "not-a-token"]), expect(200, members=200)
    ),
    "password_reset_complete": Entry(_plain("password_reset_complete"), expect(200, members=200)),
    # Pages of the signed-in user alone: every signed-in user has their own.
    "home": Entry(_plain("home"), expect(members=200)),
    "profile": Entry(_plain("profile"), expect(members=200)),
    "password_change": Entry(_plain("password_change"), expect(members=200)),
    "password_change_done": Entry(_plain("password_change_done"), expect(members=200)),
    "logout": Entry(_plain("logout"), expect(members=302), method="POST"),
    # Notifications (teams)
    "notifications": Entry(_plain("notifications"), expect(members=200)),
    "notification_read": Entry(
        lambda w: reverse("notification_read", args=[_rep_notification(w).pk]),
        expect(members=404, rep=302),
        method="POST",
    ),
    "notifications_read_all": Entry(_plain("notifications_read_all"), expect(members=302), method="POST"),
    # Deals, customers and meetings (deals)
    "deals:list": Entry(_plain("deals:list"), expect(members=200)),
    "deals:create": Entry(_plain("deals:create"), expect(members=403, rep=200)),
    # The deal list's export reads what the list shows, so everyone gets a file (of what they see).
    "deals:list_export": Entry(_plain("deals:list_export"), expect(members=200)),
    # Imports: a rep imports into their teams (the deals become theirs); a job is its owner's alone.
    "deals:import_start": Entry(_plain("deals:import_start"), expect(members=403, rep=200)),
    "deals:import_sample": Entry(_plain("deals:import_sample"), expect(members=403, rep=200)),
    "deals:import_job": Entry(_import_job_url("deals:import_job"), expect(members=404, rep=200)),
    "deals:import_progress": Entry(_import_job_url("deals:import_progress"), expect(members=404, rep=200)),
    "deals:import_confirm": Entry(
        _import_job_url("deals:import_confirm"), expect(members=404, rep=302), method="POST"
    ),
    "deals:create_contacts": Entry(
        lambda world: f"{reverse('deals:create_contacts')}?customer={world.objects['customer'].pk}",
        expect(members=200),
    ),
    "deals:detail": Entry(_deal_url("deals:detail"), DEAL_READERS),
    "deals:edit": Entry(_deal_url("deals:edit"), OWNER_EDITS),
    "deals:timeline": Entry(_deal_url("deals:timeline"), DEAL_READERS),
    "deals:close": Entry(_deal_url("deals:close"), CLOSERS_EDIT),
    # The matrix's deal is open: reopening it sends the closers back to the deal page with a notice.
    "deals:reopen": Entry(_deal_url("deals:reopen"), CLOSERS_POST),
    "deals:archive": Entry(_deal_url("deals:archive"), CLOSERS_POST, method="POST"),
    "deals:restore": Entry(_deal_url("deals:restore"), CLOSERS_POST, method="POST"),
    "deals:past_meetings": Entry(_deal_url("deals:past_meetings"), DEAL_READERS),
    "deals:payment_requests": Entry(_deal_url("deals:payment_requests"), DEAL_READERS),
    "deals:meeting_add": Entry(_deal_url("deals:meeting_add"), OWNER_EDITS),
    "deals:meeting_edit": Entry(_meeting_url("deals:meeting_edit"), OWNER_EDITS),
    "deals:meeting_cancel": Entry(
        _meeting_url("deals:meeting_cancel"), OWNER_POSTS, method="POST", data={"reason": "Customer asked"}
    ),
    # Briefings and approvals (deals)
    "deals:briefing_edit": Entry(_deal_url("deals:briefing_edit"), OWNER_EDITS),
    "deals:briefing_submit": Entry(_deal_url("deals:briefing_submit"), OWNER_POSTS, method="POST"),
    "deals:briefing_approve": Entry(_deal_url("deals:briefing_approve"), MANAGER_POSTS, method="POST"),
    "deals:briefing_return": Entry(
        _deal_url("deals:briefing_return"),
        MANAGER_POSTS,
        method="POST",
        data={"comment": "Lower the discount"},
    ),
    "deals:briefing_history": Entry(_deal_url("deals:briefing_history"), DEAL_READERS),
    # The boss's guidelines: the owner asks; another manager of the team gives them.
    "deals:guidelines_ask": Entry(_deal_url("deals:guidelines_ask"), OWNER_EDITS),
    "deals:guidelines_give": Entry(
        _deal_url("deals:guidelines_give"), expect(members=404, rep=403, manager=200)
    ),
    # Managers' own pages: other roles get 403; the outsider is a manager of another team.
    "deals:approvals": Entry(_plain("deals:approvals"), MANAGERS_ONLY),
    "deals:delegations": Entry(_plain("deals:delegations"), MANAGERS_ONLY),
    "deals:delegation_edit": Entry(
        lambda w: reverse("deals:delegation_edit", args=[_delegation(w).pk]),
        expect(members=404, manager=200, rep=403, production=403, supply_chain=403, finance=403, staff=403),
    ),
    "deals:delegation_delete": Entry(
        lambda w: reverse("deals:delegation_delete", args=[_delegation(w).pk]),
        expect(members=404, manager=302, rep=403, production=403, supply_chain=403, finance=403, staff=403),
        method="POST",
    ),
    # On-call cover and co-negotiators (deals)
    "deals:on_call_new": Entry(_meeting_url("deals:on_call_new"), OWNER_EDITS),
    # The owner changes the details; the colleague sees the deal but may not (403).
    "deals:on_call_edit": Entry(
        lambda w: reverse("deals:on_call_edit", args=[_on_call(w).pk]),
        expect(members=404, rep=200, manager=403, production=403),
    ),
    "deals:on_call_answer": Entry(
        lambda w: reverse("deals:on_call_answer", args=[_on_call(w).pk]),
        expect(members=404, rep=403, manager=403, production=302),
        method="POST",
        data={"accept": "1", "revision": "0", "status": "requested"},
    ),
    "deals:on_call_remove": Entry(
        lambda w: reverse("deals:on_call_remove", args=[_on_call(w).pk]),
        expect(members=404, rep=302, manager=403, production=403),
        method="POST",
    ),
    "deals:co_negotiator_new": Entry(
        _meeting_url("deals:co_negotiator_new"),
        OWNER_POSTS,
        method="POST",
        data={"member": ""},
    ),
    "deals:co_negotiator_answer": Entry(
        lambda w: reverse("deals:co_negotiator_answer", args=[_co_negotiator_request(w).pk]),
        expect(members=404, rep=403, manager=302),
        method="POST",
        data={"accept": "1", "revision": "0", "status": "requested"},
    ),
    # Payment terms (deals)
    "deals:payment_request_new": Entry(_deal_url("deals:payment_request_new"), OWNER_EDITS),
    "deals:payment_request_check": Entry(_deal_url("deals:payment_request_check"), OWNER_EDITS),
    "deals:payment_request": Entry(_payment_request_url("deals:payment_request"), FINANCE_DECIDES),
    # The owner changes the request while it waits; finance and managers see it but may not (403).
    "deals:payment_request_edit": Entry(
        _payment_request_url("deals:payment_request_edit"),
        expect(members=404, rep=200, manager=403, finance=403),
    ),
    "deals:payment_request_decide": Entry(
        _payment_request_url("deals:payment_request_decide"),
        expect(members=404, rep=403, manager=403, finance=302),
        method="POST",
        data={"decision": "approve", "note": "Fine for this customer", "revision": "0"},
    ),
    "deals:finance_queue": Entry(_plain("deals:finance_queue"), FINANCE_ONLY),
    # The lists behind the home panels' "see all": each shows only the user's own.
    "deals:consultations": Entry(_plain("deals:consultations"), expect(members=200)),
    "deals:cover_invitations": Entry(_plain("deals:cover_invitations"), expect(members=200)),
    "deals:reports_to_file": Entry(_plain("deals:reports_to_file"), expect(members=200)),
    "deals:reports": Entry(_plain("deals:reports"), MANAGERS_ONLY),
    "deals:escalations": Entry(_plain("deals:escalations"), MANAGERS_ONLY),
    "deals:finance_policy": Entry(_plain("deals:finance_policy"), FINANCE_ONLY),
    # Consultations (deals)
    "deals:consultation_add": Entry(
        _deal_url("deals:consultation_add"), OWNER_POSTS, method="POST", data={"department": "finance"}
    ),
    # Asking every department at once: only the owner; a manager sees the deal but may not (403).
    "deals:consultations_ask": Entry(_deal_url("deals:consultations_ask"), OWNER_EDITS),
    # Production sees the deal (its queue is asked) but only the owner requests (403).
    "deals:consultation_request": Entry(
        _consultation_url("deals:consultation_request"),
        expect(members=404, rep=200, manager=403, production=403),
    ),
    # Only production answers; the owner and managers see the deal but may not (403).
    "deals:consultation_answer": Entry(
        _consultation_url("deals:consultation_answer"),
        expect(members=404, rep=403, manager=403, production=200),
    ),
    # The matrix's consultation is required: the owner's POST is refused with a message (302).
    "deals:consultation_remove": Entry(
        _consultation_url("deals:consultation_remove"),
        expect(members=404, rep=302, manager=403, production=403),
        method="POST",
    ),
    "deals:consultation_waive": Entry(
        _consultation_url("deals:consultation_waive"),
        expect(members=404, rep=403, manager=302, production=403),
        method="POST",
        data={"reason": "Standard catalogue item, always in stock"},
    ),
    # Meeting brief and calendar (deals)
    "deals:meeting_brief": Entry(_meeting_url("deals:meeting_brief"), DEAL_READERS),
    "deals:meeting_ics": Entry(_meeting_url("deals:meeting_ics"), DEAL_READERS),
    # Meeting mode: the people of the meeting only (the world's meeting is days away, so asking and
    # answering are refused with a message: 302 back to the page).
    "deals:meeting_live": Entry(_meeting_url("deals:meeting_live"), DEAL_READERS),
    "deals:live_since": Entry(
        lambda w: reverse("deals:live_since", args=[w.objects["meeting"].pk, 0]), DEAL_READERS
    ),
    "deals:live_ask": Entry(
        _meeting_url("deals:live_ask"),
        expect(members=404, rep=302, manager=403),
        method="POST",
        data={"text": "Can we deliver by Friday?"},
    ),
    "deals:live_notes": Entry(
        _meeting_url("deals:live_notes"),
        expect(members=404, rep=302, manager=302),
        method="POST",
        data={"text": "Price agreed", "revision": 0},
    ),
    # What the phone keeps offline: each signed-in user's own list.
    "deals:offline_pages": Entry(_plain("deals:offline_pages"), expect(members=200)),
    "service_worker": Entry(_plain("service_worker"), expect(anonymous=200, members=200)),
    "deals:live_answer": Entry(
        lambda w: reverse("deals:live_answer", args=[_live_question(w).pk]),
        expect(members=404, rep=403, manager=302),
        method="POST",
        data={"reply": "yes"},
    ),
    # Production sees the deal once its queue is asked, and may put the due time in its calendar.
    "deals:consultation_ics": Entry(
        _consultation_url("deals:consultation_ics"),
        expect(members=404, rep=200, manager=200, production=200),
    ),
    # Reports (deals)
    "deals:report_file": Entry(
        lambda w: reverse("deals:report_file", args=[_past_meeting(w).pk]), OWNER_EDITS
    ),
    "deals:report_detail": Entry(
        lambda w: reverse("deals:report_detail", args=[_report(w).pk]), DEAL_READERS
    ),
    "deals:team_results": Entry(_plain("deals:team_results"), MANAGERS_ONLY),
    # Webhooks (deals): the managers' area; the list is each manager's own teams'.
    "deals:webhooks": Entry(_plain("deals:webhooks"), MANAGERS_ONLY),
    "deals:webhook_endpoint": Entry(_webhook_url("deals:webhook_endpoint"), WEBHOOK_MANAGERS),
    "deals:webhook_rotate": Entry(_webhook_url("deals:webhook_rotate"), WEBHOOK_MANAGERS_POST, method="POST"),
    "deals:webhook_test": Entry(_webhook_url("deals:webhook_test"), WEBHOOK_MANAGERS_POST, method="POST"),
    "deals:webhook_delete": Entry(_webhook_url("deals:webhook_delete"), WEBHOOK_MANAGERS_POST, method="POST"),
    "deals:webhook_redeliver": Entry(
        lambda w: reverse("deals:webhook_redeliver", args=[_webhook_delivery(w).pk]),
        WEBHOOK_MANAGERS_POST,
        method="POST",
    ),
    "deals:team_results_export": Entry(_plain("deals:team_results_export"), MANAGERS_ONLY),
    "deals:reports_export": Entry(_plain("deals:reports_export"), MANAGERS_ONLY),
    # Contacts (deals)
    "deals:contact_add": Entry(_deal_url("deals:contact_add"), OWNER_EDITS),
    "deals:contact_edit": Entry(_contact_url("deals:contact_edit"), OWNER_EDITS),
    "deals:contact_archive": Entry(_contact_url("deals:contact_archive"), OWNER_POSTS, method="POST"),
    "deals:contact_restore": Entry(_contact_url("deals:contact_restore"), OWNER_POSTS, method="POST"),
}


# The REST API (/api/v1/, its schema and docs, and the profile's tokens).
from tests.access_matrix_api import API_ACCESS  # noqa: E402

ACCESS_MATRIX.update(API_ACCESS)
