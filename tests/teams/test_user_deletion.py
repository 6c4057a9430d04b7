"""Nobody is deleted: deleting a user deactivates them, and their history stays."""

from django.contrib import admin
from django.urls import reverse

from deals.models import Deal
from teams.models import Membership, User


def test_deleting_a_user_deactivates_them_and_keeps_their_deals_and_roles(world, rep):
    deal = world.objects["deal"]
    rep.delete()

    rep.refresh_from_db()
    assert rep.is_active is False
    assert Deal.objects.get(pk=deal.pk).owner == rep
    assert Membership.objects.filter(user=rep).exists()


def test_a_deactivated_user_is_signed_out(client, rep):
    client.force_login(rep)
    assert client.get(reverse("home")).status_code == 200
    rep.delete()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_admin_offers_deactivation_and_never_deletion(client, world, rep, manager):
    client.force_login(world.staff)
    delete_url = reverse("admin:teams_user_delete", args=[rep.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=rep.pk, is_active=True).exists()

    request = client.get(reverse("admin:teams_user_changelist")).wsgi_request
    actions = admin.site._registry[User].get_actions(request)
    assert "delete_selected" not in actions
    assert "deactivate" in actions

    response = client.post(
        reverse("admin:teams_user_changelist"),
        {"action": "deactivate", "_selected_action": [rep.pk, manager.pk]},
        follow=True,
    )
    assert "2 users deactivated" in response.content.decode()
    assert not User.objects.filter(pk__in=[rep.pk, manager.pk], is_active=True).exists()
    assert User.objects.filter(pk__in=[rep.pk, manager.pk]).count() == 2
