"""Staff edit finance policies in the admin: bad values get a message, never a server error."""

import pytest
from django.urls import reverse

from deals.models import FinancePolicy


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
