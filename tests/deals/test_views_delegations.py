from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from deals.models import ApprovalDelegation
from deals.services.briefings import delegation_delete, delegation_update
from negprep.errors import Invalid
from teams.models import Role
from tests.factories import MembershipFactory
from tests.stale import hidden_in, revision_in, two_clients


@pytest.fixture
def delegation(world, manager):
    deputy = MembershipFactory(team=world.team, role=Role.MANAGER, user__first_name="Dee").user
    today = timezone.localdate()
    return ApprovalDelegation.objects.create(
        team=world.team, manager=manager, delegate=deputy, starts_on=today, ends_on=today + timedelta(days=7)
    )


def _dates(delegation, *, starts=0, ends=7, **overrides):
    today = timezone.localdate()
    return {
        "starts_on": (today + timedelta(days=starts)).isoformat(),
        "ends_on": (today + timedelta(days=ends)).isoformat(),
        "revision": str(delegation.revision),
        **overrides,
    }


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_manager_who_delegated_moves_the_dates(client, manager, delegation):
    client.force_login(manager)
    url = reverse("deals:delegation_edit", args=[delegation.pk])
    assert url in client.get(reverse("deals:delegations")).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{delegation.ends_on.isoformat()}"' in page.content.decode()
    response = client.post(url, _dates(delegation, starts=2, ends=10, revision=revision_in(page)))
    assert response.status_code == 302
    assert "decides on your behalf from" in _messages(response)[0]
    delegation.refresh_from_db()
    assert delegation.ends_on == timezone.localdate() + timedelta(days=10)
    assert (delegation.revision, delegation.updated_by) == (1, manager)


def test_unchanged_dates_change_nothing(client, manager, delegation):
    client.force_login(manager)
    response = client.post(reverse("deals:delegation_edit", args=[delegation.pk]), _dates(delegation))
    assert _messages(response) == ["Nothing changed: the dates are as they were."]
    delegation.refresh_from_db()
    assert delegation.revision == 0


def test_a_stale_change_of_dates_changes_nothing_shows_what_differs_and_can_be_reapplied(manager, delegation):
    url = reverse("deals:delegation_edit", args=[delegation.pk])
    first, second = two_clients(manager)
    loaded = revision_in(second.get(url))
    assert first.post(url, _dates(delegation, ends=10, revision=loaded)).status_code == 302

    response = second.post(url, _dates(delegation, ends=3, revision=loaded))
    assert response.status_code == 409
    page = response.content.decode()
    assert "saved this delegation at " in page and "after you opened it" in page
    assert str(manager) in page
    differences = page[page.index('data-testid="stale-differences"') :]
    today = timezone.localdate()
    for day in (10, 3):
        assert f"{(today + timedelta(days=day)).day} " in differences
    delegation.refresh_from_db()
    assert delegation.ends_on == today + timedelta(days=10)

    response = second.post(url, _dates(delegation, ends=3, revision=revision_in(response)))
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.ends_on == today + timedelta(days=3)


def test_dates_already_over_are_refused(client, manager, delegation):
    client.force_login(manager)
    url = reverse("deals:delegation_edit", args=[delegation.pk])
    response = client.post(url, _dates(delegation, starts=-9, ends=-2))
    assert response.status_code == 400
    assert "The last day is in the past." in response.content.decode()


def test_the_delegate_may_not_change_or_end_it(client, delegation):
    client.force_login(delegation.delegate)
    assert client.get(reverse("deals:delegation_edit", args=[delegation.pk])).status_code == 403
    response = client.post(reverse("deals:delegation_delete", args=[delegation.pk]))
    assert response.status_code == 403
    assert ApprovalDelegation.objects.filter(pk=delegation.pk).exists()


def test_ending_a_delegation_already_ended_in_another_window_is_told_not_an_error(manager, delegation):
    first, second = two_clients(manager)
    url = reverse("deals:delegation_delete", args=[delegation.pk])
    shown = hidden_in(second.get(reverse("deals:delegations")), url)
    assert first.post(url, hidden_in(first.get(reverse("deals:delegations")), url)).status_code == 302
    assert not ApprovalDelegation.objects.exists()

    response = second.post(url, shown)
    assert response.status_code == 302
    assert _messages(response) == ["This delegation was already ended: nothing changed."]
    # Without the key the page gave (or with one for another id) it stays a plain 404.
    assert second.post(url, {"shown": "made-up"}).status_code == 404
    other = reverse("deals:delegation_delete", args=[delegation.pk + 1000])
    assert second.post(other, shown).status_code == 404


def test_changing_a_delegation_ended_meanwhile_is_told(manager, delegation):
    first, second = two_clients(manager)
    url = reverse("deals:delegation_edit", args=[delegation.pk])
    shown = hidden_in(second.get(url), url)
    end = reverse("deals:delegation_delete", args=[delegation.pk])
    assert first.post(end, hidden_in(first.get(reverse("deals:delegations")), end)).status_code == 302

    response = second.post(url, {**_dates(delegation, ends=9), **shown})
    assert response.status_code == 302
    assert _messages(response) == ["This delegation was already ended: nothing changed."]
    assert not ApprovalDelegation.objects.exists()


def test_the_services_refuse_a_delegation_ended_between_reading_and_writing(manager, delegation):
    ApprovalDelegation.objects.filter(pk=delegation.pk).delete()
    with pytest.raises(Invalid, match="already ended"):
        delegation_delete(delegation=delegation, by=manager)
    today = timezone.localdate()
    with pytest.raises(Invalid, match="already ended"):
        delegation_update(delegation=delegation, by=manager, starts_on=today, ends_on=today, revision=0)
