"""Archiving a contact: it leaves the lists and pickers, stays on past meetings and reports, and can
be restored; nothing deletes a contact."""

import html
from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from deals.models import Activity, Contact
from deals.services.contacts import contact_add, contact_archive, contact_restore, contact_update
from deals.services.deals import deal_create
from deals.services.meetings import meeting_add, meeting_move
from negprep.errors import Invalid, NotAllowed
from teams.models import Role
from tests.factories import ContactFactory
from tests.stale import revision_in, two_clients


def _page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def contact(world):
    return world.objects["contact"]


def _in(days):
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)


# Services -----------------------------------------------------------------------------------


def test_the_owner_archives_a_contact_with_a_timeline_entry_and_restores_it(deal, rep, contact):
    assert contact_archive(contact=contact, deal=deal, by=rep) is True
    contact.refresh_from_db()
    assert contact.archived_at is not None
    assert contact.archived_by == rep
    assert deal.activities.get(verb="contact_archived").summary == "archived the contact Dana Buyer"

    assert contact_restore(contact=contact, deal=deal, by=rep) is True
    contact.refresh_from_db()
    assert contact.archived_at is None
    assert deal.activities.get(verb="contact_restored").actor == rep
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_archiving_or_restoring_twice_changes_nothing(deal, rep, contact):
    stale = Contact.objects.get(pk=contact.pk)
    assert contact_archive(contact=contact, deal=deal, by=rep) is True
    assert contact_archive(contact=stale, deal=deal, by=rep) is False
    assert contact_restore(contact=contact, deal=deal, by=rep) is True
    assert contact_restore(contact=stale, deal=deal, by=rep) is False
    assert deal.activities.filter(verb__in=["contact_archived", "contact_restored"]).count() == 2


@pytest.mark.parametrize("who", [Role.MANAGER, Role.PRODUCTION, "outsider"])
def test_only_the_owner_archives_a_contact(deal, world, contact, who):
    with pytest.raises(NotAllowed):
        contact_archive(contact=contact, deal=deal, by=world.user(who))
    contact.refresh_from_db()
    assert contact.archived_at is None
    assert not Activity.objects.filter(verb="contact_archived").exists()


def test_a_contact_of_another_customer_is_refused(deal, rep):
    stranger = ContactFactory()
    with pytest.raises(Invalid, match="not a contact of"):
        contact_archive(contact=stranger, deal=deal, by=rep)
    stranger.refresh_from_db()
    assert stranger.archived_at is None


def test_an_archived_contact_is_not_corrected_and_its_name_is_not_reused(deal, rep, contact):
    contact_archive(contact=contact, deal=deal, by=rep)
    with pytest.raises(Invalid, match="restore the contact"):
        contact_update(contact=contact, deal=deal, by=rep, title="CEO")
    with pytest.raises(Invalid, match="archived contact called dana buyer: restore that one"):
        contact_add(deal=deal, by=rep, name="dana buyer", buying_role="user")


def test_an_archived_contact_is_not_picked_for_a_new_meeting_or_deal(world, deal, rep, contact):
    contact_archive(contact=contact, deal=deal, by=rep)
    with pytest.raises(Invalid, match="Dana Buyer is archived"):
        meeting_add(deal=deal, by=rep, starts_at=_in(4), ends_at=_in(5), location="HQ", contacts=[contact])
    with pytest.raises(Invalid, match="Tick only current contacts"):
        deal_create(
            team=world.team,
            owner=rep,
            customer=deal.customer,
            contact_ids=[contact.pk],
            title="Second deal",
            scope="Pumps",
            estimated_value=1000,
            first_meeting={"starts_at": _in(4), "ends_at": _in(5), "location": "HQ"},
        )


def test_an_archived_contact_stays_on_its_meetings_when_they_are_edited(deal, rep, contact, meeting):
    contact_archive(contact=contact, deal=deal, by=rep)
    meeting_move(meeting=meeting, by=rep, location="New room", contacts=[contact])
    assert list(meeting.contacts.all()) == [contact]


# Pages --------------------------------------------------------------------------------------


def test_an_archived_contact_leaves_the_list_and_pickers_but_stays_on_past_meetings(
    client, deal, rep, contact, meeting
):
    client.force_login(rep)
    response = client.post(reverse("deals:contact_archive", args=[deal.pk, contact.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#contacts")

    page = client.get(reverse("deals:detail", args=[deal.pk]))
    assert [c.pk for c in page.context["contacts"]] == []
    assert [c.pk for c in page.context["archived_contacts"]] == [contact.pk]
    text = _page(page)
    assert "Archived contacts (1)" in text
    assert reverse("deals:contact_restore", args=[deal.pk, contact.pk]) in text
    assert "We meet:\n    Dana Buyer" in text  # the meeting keeps its attendee

    new_meeting_form = client.get(reverse("deals:meeting_add", args=[deal.pk])).context["form"]
    assert contact not in new_meeting_form.fields["contacts"].queryset
    edit_form = client.get(reverse("deals:meeting_edit", args=[meeting.pk])).context["form"]
    assert contact in edit_form.fields["contacts"].queryset
    choices = _page(client.get(reverse("deals:create_contacts") + f"?customer={deal.customer_id}"))
    assert "Dana Buyer" not in choices

    client.post(reverse("deals:contact_restore", args=[deal.pk, contact.pk]))
    contact.refresh_from_db()
    assert contact.archived_at is None
    assert "Dana Buyer" in _page(
        client.get(reverse("deals:create_contacts") + f"?customer={deal.customer_id}")
    )


def test_editing_an_archived_contact_sends_back_to_the_deal(client, deal, rep, contact):
    contact_archive(contact=contact, deal=deal, by=rep)
    client.force_login(rep)
    response = client.get(reverse("deals:contact_edit", args=[deal.pk, contact.pk]), follow=True)
    assert "restore the contact before correcting it" in _page(response)


def test_a_correction_loaded_before_another_tab_archived_the_contact_is_told_and_changes_nothing(
    deal, rep, contact
):
    edit_url = reverse("deals:contact_edit", args=[deal.pk, contact.pk])
    archive_url = reverse("deals:contact_archive", args=[deal.pk, contact.pk])
    first, second = two_clients(rep)
    loaded = revision_in(second.get(edit_url))
    assert first.post(archive_url).status_code == 302
    # The second tab archives too: told it was archived already, one timeline entry.
    page = _page(second.post(archive_url, follow=True))
    assert "Dana Buyer was already archived; nothing changed." in page
    assert deal.activities.filter(verb="contact_archived").count() == 1

    data = {"name": "Dana Buyer", "title": "CEO", "buying_role": "economic_buyer", "revision": loaded}
    response = second.post(edit_url, data, follow=True)
    assert response.status_code == 200
    assert "restore the contact before correcting it" in _page(response)
    contact.refresh_from_db()
    assert contact.title == "Head of Purchasing"
    assert contact.is_archived


def test_the_admin_never_deletes_a_contact_a_customer_or_a_meeting(rf, world):
    from deals.models import Customer, Meeting

    request = rf.get("/admin/")
    request.user = world.staff
    for model in (Contact, Customer, Meeting):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request, model.objects.first())
        assert "delete_selected" not in model_admin.get_actions(request)
