"""The admin: staff edit policies and delegations with plain messages for bad values, and
only read the records the app writes (versions, decisions, the timeline)."""

import pytest
from django.urls import reverse

from deals.models import ApprovalDelegation, FinancePolicy


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
    from deals.models import Activity

    entry = Activity.objects.create(deal=world.objects["deal"], verb="created", summary="created the deal")
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


def test_moving_a_meeting_in_the_admin_refreshes_the_deals_readiness(admin_client, world):
    from datetime import timedelta

    from django.utils import timezone

    from deals.models import Deal, DealStatus

    meeting = world.objects["meeting"]
    deal = meeting.deal
    Deal.objects.filter(pk=deal.pk).update(status=DealStatus.READY)  # as if it had been ready
    past = timezone.localtime(timezone.now() - timedelta(days=1))
    data = {
        "deal": deal.pk,
        "starts_at_0": past.strftime("%Y-%m-%d"),
        "starts_at_1": past.strftime("%H:%M:%S"),
        "ends_at_0": past.strftime("%Y-%m-%d"),
        "ends_at_1": (past + timedelta(hours=1)).strftime("%H:%M:%S"),
        "location": meeting.location or "HQ",
        "video_link": "",
        "stage": meeting.stage,
        "contacts": [c.pk for c in meeting.contacts.all()],
        "cancelled_reason": "",
    }
    response = admin_client.post(reverse("admin:deals_meeting_change", args=[meeting.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    deal.refresh_from_db()
    assert deal.status == DealStatus.PREPARING


def test_the_admin_meeting_form_offers_only_the_deals_contacts_and_team(admin_client, world):
    page = admin_client.get(reverse("admin:deals_meeting_change", args=[world.objects["meeting"].pk]))
    content = page.content.decode()
    assert world.outsider.get_full_name()
    assert world.outsider.get_full_name() not in content
    assert world.members["production"].get_full_name() in content
