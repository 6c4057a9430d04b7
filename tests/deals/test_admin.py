"""The admin: staff edit policies and delegations with plain messages for bad values, and
only read the records of the practice (deals, meetings, briefings, consultations, payment terms,
reports, versions, decisions, the timeline), which change only through the app's services."""

import html
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from deals.models import ApprovalDelegation, Consultation, Deal, FinancePolicy, Guideline, Meeting
from teams.services import profile_update
from tests.factories import (
    ActivityFactory,
    CoNegotiatorRequestFactory,
    ConsultationFactory,
    MeetingFactory,
    NegotiationReportFactory,
    OnCallFactory,
    PaymentTermRequestFactory,
    TeamFactory,
)
from tests.stale import revision_in, two_clients

# What staff administer in the admin; everything else of the deals app is a record they read.
ADMINISTRATION = {FinancePolicy, ApprovalDelegation}


def _bulk_actions(changelist) -> set[str]:
    form = changelist.context["action_form"]
    return set() if form is None else {name for name, _ in form.fields["action"].choices}


@pytest.fixture
def admin_client(client, world):
    world.staff.is_superuser = True
    world.staff.save(update_fields=["is_superuser"])
    client.force_login(world.staff)
    return client


def _post(admin_client, world, **values):
    data = {
        "team": world.team.pk,
        "standard_net_days": "30",
        "max_net_days": "60",
        "min_deposit_pct": "10",
        "max_instalments": "3",
        **values,
    }
    return admin_client.post(reverse("admin:deals_financepolicy_add"), data)


def test_staff_add_a_policy(admin_client, world):
    response = _post(admin_client, world)
    assert response.status_code == 302
    assert FinancePolicy.objects.get(team=world.team).max_net_days == 60


def test_a_stale_policy_change_saves_nothing_shows_what_differs_and_can_be_reapplied(world):
    world.staff.is_superuser = True
    world.staff.save(update_fields=["is_superuser"])
    policy = FinancePolicy.objects.create(team=world.team, max_net_days=60)
    url = reverse("admin:deals_financepolicy_change", args=[policy.pk])
    data = {
        "team": world.team.pk,
        "standard_net_days": "30",
        "max_net_days": "60",
        "min_deposit_pct": "0",
        "max_instalments": "1",
    }
    first, second = two_clients(world.staff)
    loaded = revision_in(second.get(url))
    assert first.post(url, {**data, "max_net_days": "45", "revision": loaded}).status_code == 302

    response = second.post(url, {**data, "max_instalments": "6", "revision": loaded})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"{world.staff} saved this finance policy at " in page and "after you opened it" in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "most net days finance may grant" in differences.lower()
    assert "<td>45</td><td>60</td>" in differences and "<td>1</td><td>6</td>" in differences
    policy.refresh_from_db()
    assert (policy.max_net_days, policy.max_instalments, policy.updated_by) == (45, 1, world.staff)

    # The refused page carries the current revision: saving it again puts its values over it.
    reapplied = revision_in(response)
    assert reapplied != loaded
    response = second.post(url, {**data, "max_instalments": "6", "revision": reapplied})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.max_net_days, policy.max_instalments) == (60, 6)


def test_policies_are_not_edited_in_the_list_where_no_revision_is_carried(admin_client, world):
    FinancePolicy.objects.create(team=world.team)
    page = admin_client.get(reverse("admin:deals_financepolicy_changelist")).content.decode()
    assert 'name="form-0-max_net_days"' not in page


@pytest.mark.parametrize(
    "values, message",
    [
        ({"max_net_days": "20"}, "must not be below the standard"),
        ({"max_net_days": "400"}, "less than or equal to 365"),
        ({"max_instalments": "0"}, "greater than or equal to 1"),
        ({"max_instalments": "999"}, "less than or equal to 60"),
        ({"min_deposit_pct": "120"}, "less than or equal to 100"),
    ],
)
def test_bad_values_get_a_message_and_save_nothing(admin_client, world, values, message):
    response = _post(admin_client, world, **values)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FinancePolicy.objects.filter(team=world.team).exists()


@pytest.mark.parametrize("model", ["activity", "approval", "briefingversion", "reminder"])
def test_records_the_app_writes_cannot_be_added_by_hand(admin_client, model):
    assert admin_client.get(reverse(f"admin:deals_{model}_add")).status_code == 403
    assert admin_client.post(reverse(f"admin:deals_{model}_add"), {}).status_code == 403
    assert admin_client.get(reverse(f"admin:deals_{model}_changelist")).status_code == 200


def test_the_audit_trail_cannot_be_changed_or_deleted_in_the_admin(admin_client, world):
    entry = ActivityFactory(deal=world.objects["deal"], verb="created", summary="created the deal")
    assert admin_client.get(reverse("admin:deals_activity_change", args=[entry.pk])).status_code == 200
    response = admin_client.post(reverse("admin:deals_activity_change", args=[entry.pk]), {"summary": "x"})
    assert response.status_code == 403
    assert (
        admin_client.post(
            reverse("admin:deals_activity_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.summary == "created the deal"


def test_a_delegation_to_someone_who_is_not_a_manager_of_the_team_is_refused(admin_client, world):
    data = {
        "team": world.team.pk,
        "manager": world.members["manager"].pk,
        "delegate": world.outsider.pk,
        "starts_on": "2030-01-01",
        "ends_on": "2030-01-10",
    }
    response = admin_client.post(reverse("admin:deals_approvaldelegation_add"), data)
    assert response.status_code == 200
    assert "only be delegated to another manager of the team" in response.content.decode()
    response = admin_client.post(
        reverse("admin:deals_approvaldelegation_add"), {**data, "delegate": world.members["manager"].pk}
    )
    assert "cannot delegate to themselves" in response.content.decode()
    assert not ApprovalDelegation.objects.exists()


def test_every_record_of_the_practice_is_read_only_in_the_admin(world):
    request = RequestFactory().get("/admin/")
    request.user = world.staff
    records = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "deals" and model not in ADMINISTRATION
    ]
    assert {model.__name__ for model, _ in records} >= {"Deal", "Meeting", "Contact", "NegotiationReport"}
    for model, model_admin in records:
        assert model_admin.has_view_permission(request), model
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        for inline in (inline_class(model, admin.site) for inline_class in model_admin.inlines):
            assert not inline.has_add_permission(request, None), inline
            assert not inline.has_change_permission(request), inline
            assert not inline.has_delete_permission(request), inline
    for model in ADMINISTRATION:
        assert admin.site._registry[model].has_change_permission(request), model


def _records(world):
    """One row of each kind staff might be tempted to fix by hand."""
    deal, meeting = world.objects["deal"], world.objects["meeting"]
    yesterday = timezone.now() - timedelta(days=1)
    return {
        "deal": deal,
        "meeting": meeting,
        "contact": world.objects["contact"],
        "customer": world.objects["customer"],
        "briefing": world.objects["briefing"],
        "negotiationreport": NegotiationReportFactory(meeting=MeetingFactory(deal=deal, starts_at=yesterday)),
        "consultation": ConsultationFactory(deal=deal),
        "paymenttermrequest": PaymentTermRequestFactory(deal=deal),
        "oncall": OnCallFactory(meeting=meeting, member=world.members["production"]),
        "conegotiatorrequest": CoNegotiatorRequestFactory(meeting=meeting, member=world.members["manager"]),
        "guideline": Guideline.objects.create(briefing=world.objects["briefing"], questions="Guidelines?"),
        **_integration_records(world),
    }


def _integration_records(world):
    from deals.services.imports import import_job_create
    from deals.services.webhooks import endpoint_create, webhook_emit

    endpoint = endpoint_create(
        team=world.team, by=world.members["manager"], url="http://127.0.0.1:9/hooks", events=["deal.ready"]
    )
    webhook_emit(type="deal.ready", deal=world.objects["deal"], data={"status": "ready"})
    job = import_job_create(
        by=world.members["rep"],
        team=world.team,
        file_name="crm.csv",
        file_format="csv",
        content=b"secret,file\n",
    )
    return {"webhookendpoint": endpoint, "webhookdelivery": endpoint.deliveries.get(), "importjob": job}


@pytest.mark.parametrize(
    "model",
    [
        "deal",
        "meeting",
        "contact",
        "customer",
        "briefing",
        "negotiationreport",
        "consultation",
        "paymenttermrequest",
        "oncall",
        "conegotiatorrequest",
        "guideline",
        "webhookendpoint",
        "webhookdelivery",
        "importjob",
    ],
)
def test_staff_read_a_record_but_cannot_change_or_delete_it(admin_client, world, model):
    record = _records(world)[model]
    change = reverse(f"admin:deals_{model}_change", args=[record.pk])
    delete = reverse(f"admin:deals_{model}_delete", args=[record.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {}).status_code == 403
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()
    assert "delete_selected" not in _bulk_actions(
        admin_client.get(reverse(f"admin:deals_{model}_changelist"))
    )
    bulk = admin_client.post(
        reverse(f"admin:deals_{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert type(record).objects.filter(pk=record.pk).exists()


def test_staff_see_neither_an_endpoints_secret_nor_an_imports_file(admin_client, world):
    records = _integration_records(world)
    endpoint, job = records["webhookendpoint"], records["importjob"]
    page = admin_client.get(
        reverse("admin:deals_webhookendpoint_change", args=[endpoint.pk])
    ).content.decode()
    assert endpoint.url in page
    assert endpoint.secret not in page
    page = admin_client.get(reverse("admin:deals_importjob_change", args=[job.pk])).content.decode()
    assert "crm.csv" in page
    assert "secret,file" not in page
    listing = admin_client.get(reverse("admin:deals_webhookdelivery_changelist")).content.decode()
    assert "deal.ready" in listing


def test_a_deal_changed_in_the_admin_keeps_its_flags_and_consultations(admin_client, world):
    deal = world.objects["deal"]
    asked = Consultation.objects.filter(deal=deal).count()
    response = admin_client.post(
        reverse("admin:deals_deal_change", args=[deal.pk]),
        {"title": "Renamed by staff", "involves_production": "on", "status": "ready"},
    )
    assert response.status_code == 403
    deal.refresh_from_db()
    assert (deal.title, deal.involves_production, deal.status) == (
        world.objects["deal"].title,
        False,
        Deal._meta.get_field("status").default,
    )
    assert Consultation.objects.filter(deal=deal).count() == asked


def test_a_meeting_cannot_be_moved_in_the_admin(admin_client, world):
    meeting = world.objects["meeting"]
    past = timezone.localtime(timezone.now() - timedelta(days=1))
    data = {
        "deal": meeting.deal_id,
        "starts_at_0": past.strftime("%Y-%m-%d"),
        "starts_at_1": past.strftime("%H:%M:%S"),
        "ends_at_0": past.strftime("%Y-%m-%d"),
        "ends_at_1": (past + timedelta(hours=1)).strftime("%H:%M:%S"),
        "location": meeting.location,
        "stage": meeting.stage,
        "contacts": [c.pk for c in meeting.contacts.all()],
    }
    response = admin_client.post(reverse("admin:deals_meeting_change", args=[meeting.pk]), data)
    assert response.status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).starts_at == meeting.starts_at


def test_a_user_is_deactivated_not_deleted_in_the_admin(admin_client, world):
    rep = world.members["rep"]
    assert admin_client.get(reverse("admin:teams_user_change", args=[rep.pk])).status_code == 200
    delete = reverse("admin:teams_user_delete", args=[rep.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in _bulk_actions(admin_client.get(reverse("admin:teams_user_changelist")))
    rep.refresh_from_db()
    assert rep.is_active


def test_a_team_with_customers_cannot_be_deleted_but_an_empty_one_can(admin_client, world):
    delete = reverse("admin:teams_team_delete", args=[world.team.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Deal.objects.filter(pk=world.objects["deal"].pk).exists()
    assert "delete_selected" not in _bulk_actions(admin_client.get(reverse("admin:teams_team_changelist")))

    mistake = TeamFactory(name="Typo team")
    response = admin_client.post(reverse("admin:teams_team_delete", args=[mistake.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not type(mistake).objects.filter(pk=mistake.pk).exists()


class _FormValues(HTMLParser):
    """What the page's change form would post as it stands: inputs, checked boxes, selected options
    and text areas."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values.append((name, attrs.get("value", "on")))
            else:
                self.values.append((name, attrs.get("value", "")))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values.append((self._select, attrs.get("value", "")))
        elif tag == "textarea":
            self._textarea = name
            self.values.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, text = self.values.pop()
            self.values.append((name, text + data))


def _change_form(response, **changes) -> dict:
    parser = _FormValues()
    parser.feed(response.content.decode())
    data: dict = {}
    for name, value in parser.values:
        if name == "csrfmiddlewaretoken":
            continue
        data.setdefault(name, []).append(value)
    return {**data, **changes}


def test_a_stale_user_change_is_refused_after_the_user_saved_their_profile(world):
    world.staff.is_superuser = True
    world.staff.save(update_fields=["is_superuser"])
    rep = world.members["rep"]
    staff, _ = two_clients(world.staff)
    url = reverse("admin:teams_user_change", args=[rep.pk])
    opened = staff.get(url)
    loaded = revision_in(opened)

    profile_update(user=rep, revision=rep.revision, last_name="Renamed-by-herself")
    response = staff.post(url, _change_form(opened, last_name="Typed-by-staff"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Someone else saved this user, after you opened it" in page and "Nothing was saved" in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "Renamed-by-herself" in differences and "Typed-by-staff" in differences
    rep.refresh_from_db()
    assert rep.last_name == "Renamed-by-herself"

    reapplied = revision_in(response)
    assert reapplied != loaded
    response = staff.post(url, _change_form(opened, last_name="Typed-by-staff", revision=reapplied))
    assert response.status_code == 302, response.content.decode()[:2000]
    rep.refresh_from_db()
    assert rep.last_name == "Typed-by-staff" and rep.revision == int(reapplied) + 1


def test_a_stale_delegation_change_is_refused(world):
    world.staff.is_superuser = True
    world.staff.save(update_fields=["is_superuser"])
    manager = world.members["manager"]
    other = type(manager).objects.create(username="mona", first_name="Mona", last_name="Second")
    world.team.memberships.create(user=other, role="manager")
    starts_on = timezone.localdate() + timedelta(days=1)
    delegation = ApprovalDelegation.objects.create(
        team=world.team,
        manager=manager,
        delegate=other,
        starts_on=starts_on,
        ends_on=timezone.localdate() + timedelta(days=5),
    )
    url = reverse("admin:deals_approvaldelegation_change", args=[delegation.pk])
    first, second = two_clients(world.staff)
    opened_first, opened_second = first.get(url), second.get(url)
    later = (timezone.localdate() + timedelta(days=9)).isoformat()
    assert first.post(url, _change_form(opened_first, ends_on=later)).status_code == 302
    response = second.post(url, _change_form(opened_second, starts_on=later, ends_on=later))
    assert response.status_code == 200
    assert "saved this delegation at " in html.unescape(response.content.decode())
    delegation.refresh_from_db()
    assert (delegation.starts_on, delegation.ends_on.isoformat()) == (starts_on, later)


def test_a_staff_change_counts_so_a_profile_page_opened_before_it_is_refused(world):
    from negprep.errors import Stale

    world.staff.is_superuser = True
    world.staff.save(update_fields=["is_superuser"])
    rep = world.members["rep"]
    read = rep.revision
    staff, _ = two_clients(world.staff)
    url = reverse("admin:teams_user_change", args=[rep.pk])
    assert staff.post(url, _change_form(staff.get(url), last_name="Set-by-staff")).status_code == 302
    with pytest.raises(Stale):
        profile_update(user=rep, revision=read, last_name="Typed-on-the-old-page")
    rep.refresh_from_db()
    assert rep.last_name == "Set-by-staff"
