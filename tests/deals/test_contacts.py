import html

import pytest
from django.urls import reverse

from deals.models import Activity, BuyingRole, Contact, DealStatus
from deals.services.contacts import contact_add, contact_update
from negprep.errors import Invalid, NotAllowed
from teams.models import Role
from tests.factories import ContactFactory, CustomerFactory, DealFactory
from tests.stale import revision_in, two_clients


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _contact_data(**overrides):
    data = {
        "name": "Jana Kruse",
        "title": "CFO",
        "buying_role": BuyingRole.ECONOMIC_BUYER,
        "cares_about": "Cash flow",
        "email": "jana.kruse@example.com",
        "phone": "+49 30 1234567",
    }
    data.update(overrides)
    return data


def _stored(contact) -> dict:
    contact.refresh_from_db()
    return {name: getattr(contact, name) for name in _contact_data()}


# Services: adding -----------------------------------------------------------


def test_the_owner_adds_a_contact_to_the_deals_customer(deal, rep):
    contact = contact_add(deal=deal, by=rep, **_contact_data(name="  Jana Kruse "))
    contact.refresh_from_db()
    assert contact.customer == deal.customer
    assert contact.name == "Jana Kruse"
    assert contact.phone == "+49 30 1234567"
    activity = deal.activities.get(verb="contact_added")
    assert activity.actor == rep
    assert activity.summary == "added Jana Kruse (Economic buyer) to the contacts"


@pytest.mark.parametrize("who", [Role.MANAGER, Role.PRODUCTION, "outsider"])
def test_only_the_owner_adds_contacts(deal, world, who):
    with pytest.raises(NotAllowed):
        contact_add(deal=deal, by=world.user(who), **_contact_data())
    assert not Contact.objects.filter(name="Jana Kruse").exists()
    assert not Activity.objects.exists()


@pytest.mark.parametrize("status", [DealStatus.WON, DealStatus.LOST, DealStatus.WITHDRAWN])
def test_a_closed_deal_takes_no_new_contacts(deal, rep, status):
    deal.status = status
    deal.save()
    with pytest.raises(Invalid, match="takes no new contacts"):
        contact_add(deal=deal, by=rep, **_contact_data())
    assert not Contact.objects.filter(name="Jana Kruse").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"buying_role": "king"}, "buying_role"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"title": "x" * 121}, "title"),
        ({"name": "dana buyer"}, "name"),
    ],
)
def test_adding_refuses_invalid_values_by_field(deal, rep, overrides, field):
    with pytest.raises(Invalid) as caught:
        contact_add(deal=deal, by=rep, **_contact_data(**overrides))
    assert field in caught.value.field_messages
    assert deal.customer.contacts.count() == 1
    assert not Activity.objects.exists()


# Services: correcting -------------------------------------------------------


def test_the_owner_corrects_a_contact_and_the_timeline_shows_old_and_new(deal, rep, world):
    contact = world.objects["contact"]
    contact_update(
        contact=contact,
        deal=deal,
        by=rep,
        title="CFO",
        buying_role=BuyingRole.DECISION_MAKER,
        email="dana@example.com",
    )
    stored = _stored(contact)
    assert stored["title"] == "CFO"
    assert stored["buying_role"] == BuyingRole.DECISION_MAKER
    assert stored["email"] == "dana@example.com"
    assert stored["name"] == "Dana Buyer"
    activity = deal.activities.get(verb="contact_updated")
    assert activity.actor == rep
    assert activity.summary == "updated the contact Dana Buyer"
    assert activity.changes == {
        "Title": {"old": "Head of Purchasing", "new": "CFO"},
        "Buying role": {"old": "Economic buyer", "new": "Decision maker"},
        "Email": {"old": None, "new": "dana@example.com"},
    }


def test_saving_a_contact_unchanged_adds_no_timeline_entry(deal, rep, world):
    contact = world.objects["contact"]
    contact_update(contact=contact, deal=deal, by=rep, name=" Dana Buyer ", title=contact.title)
    assert not Activity.objects.exists()


def test_a_contact_of_another_customer_is_refused(deal, rep, world):
    stranger = ContactFactory(customer=CustomerFactory(team=world.team), name="Sam Stranger")
    before = _stored(stranger)
    with pytest.raises(Invalid, match="not a contact of"):
        contact_update(contact=stranger, deal=deal, by=rep, name="Renamed")
    assert _stored(stranger) == before
    assert not Activity.objects.exists()


@pytest.mark.parametrize("who", [Role.MANAGER, Role.PRODUCTION, "outsider"])
def test_only_the_owner_corrects_contacts(deal, world, who):
    contact = world.objects["contact"]
    before = _stored(contact)
    with pytest.raises(NotAllowed):
        contact_update(contact=contact, deal=deal, by=world.user(who), name="Renamed")
    assert _stored(contact) == before
    assert not Activity.objects.exists()


def test_correcting_refuses_a_bad_phone_and_changes_nothing(deal, rep, world):
    contact = world.objects["contact"]
    before = _stored(contact)
    with pytest.raises(Invalid) as caught:
        contact_update(contact=contact, deal=deal, by=rep, phone="ring ring", title="CFO")
    assert "phone" in caught.value.field_messages
    assert _stored(contact) == before


def test_correcting_refuses_unknown_fields(deal, rep, world):
    with pytest.raises(TypeError):
        contact_update(contact=world.objects["contact"], deal=deal, by=rep, customer=None)


# Views ------------------------------------------------------------------------


def test_the_deal_page_offers_adding_and_editing_to_the_owner_only(client, deal, world):
    add_url = reverse("deals:contact_add", args=[deal.pk])
    edit_url = reverse("deals:contact_edit", args=[deal.pk, world.objects["contact"].pk])
    client.force_login(world.members[Role.REP])
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert add_url in page and edit_url in page
    client.force_login(world.members[Role.MANAGER])
    page = _page(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "Dana Buyer" in page
    assert add_url not in page and edit_url not in page


def test_the_owner_adds_a_contact_from_the_deal_page(client, deal, rep):
    client.force_login(rep)
    response = client.post(reverse("deals:contact_add", args=[deal.pk]), _contact_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk]) + "#contacts"
    contact = deal.customer.contacts.get(name="Jana Kruse")
    assert contact.email == "jana.kruse@example.com"
    page = _page(client.get(response["Location"]))
    assert "Jana Kruse was added to the contacts." in page
    assert "added Jana Kruse (Economic buyer) to the contacts" in page


def test_the_owner_corrects_a_contact_from_the_deal_page(client, deal, rep, world):
    contact = world.objects["contact"]
    client.force_login(rep)
    url = reverse("deals:contact_edit", args=[deal.pk, contact.pk])
    assert client.get(url).context["form"]["name"].value() == "Dana Buyer"
    response = client.post(url, _contact_data(name="Dana Buyer-Lang", email="", revision=contact.revision))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Dana Buyer-Lang"
    assert contact.title == "CFO"
    page = _page(client.get(response["Location"]))
    assert "The contact Dana Buyer-Lang was saved." in page
    changes = deal.activities.get(verb="contact_updated").changes
    assert changes["Name"] == {"old": "Dana Buyer", "new": "Dana Buyer-Lang"}


def test_a_stale_contact_save_changes_nothing_shows_what_differs_and_can_be_reapplied(deal, rep, world):
    contact = world.objects["contact"]
    url = reverse("deals:contact_edit", args=[deal.pk, contact.pk])
    first, second = two_clients(rep)
    loaded = revision_in(second.get(url))
    assert first.post(url, _contact_data(title="Chief Buyer", revision=loaded)).status_code == 302

    response = second.post(url, _contact_data(title="CFO", phone="+49 30 7654321", revision=loaded))
    assert response.status_code == 409
    page = _page(response)
    assert (
        f"{rep} saved this contact at " in page and "after you opened it: nothing you typed was saved" in page
    )
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "Chief Buyer" in differences and "+49 30 7654321" in differences
    assert 'value="+49 30 7654321"' in page
    contact.refresh_from_db()
    assert (contact.title, contact.phone) == ("Chief Buyer", "+49 30 1234567")
    assert contact.updated_by == rep
    assert deal.activities.filter(verb="contact_updated").count() == 1

    # The refused form carries the current revision: saving it again puts this version over it.
    reapplied = revision_in(response)
    assert reapplied != loaded
    response = second.post(url, _contact_data(title="CFO", phone="+49 30 7654321", revision=reapplied))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.title, contact.phone) == ("CFO", "+49 30 7654321")


def test_a_contact_save_without_its_revision_is_refused(client, deal, rep, world):
    contact = world.objects["contact"]
    client.force_login(rep)
    response = client.post(reverse("deals:contact_edit", args=[deal.pk, contact.pk]), _contact_data())
    assert "This form is out of date" in _page(response)
    contact.refresh_from_db()
    assert contact.name == "Dana Buyer"


def test_posting_the_contact_unchanged_says_nothing_changed(client, deal, rep, world):
    contact = world.objects["contact"]
    client.force_login(rep)
    data = {name: getattr(contact, name) for name in _contact_data()} | {"revision": contact.revision}
    response = client.post(reverse("deals:contact_edit", args=[deal.pk, contact.pk]), data, follow=True)
    assert "Nothing changed." in _page(response)
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Give the contact's name."),
        ({"name": "   "}, "Give the contact's name."),
        ({"email": "jana@"}, "Enter a valid email address"),
        ({"phone": "call me"}, "Enter a phone number of digits"),
        ({"phone": "12"}, "Enter a phone number of digits"),
        ({"buying_role": ""}, "Pick the contact's buying role."),
        ({"buying_role": "king"}, "Pick the contact's buying role from the list."),
        ({"name": "DANA BUYER"}, "already has a contact called DANA BUYER"),
    ],
)
def test_an_invalid_contact_shows_a_clear_message_and_is_not_added(client, deal, rep, overrides, message):
    client.force_login(rep)
    response = client.post(reverse("deals:contact_add", args=[deal.pk]), _contact_data(**overrides))
    assert response.status_code == 200
    assert message in _page(response)
    assert deal.customer.contacts.count() == 1
    assert not Activity.objects.exists()


def test_an_invalid_correction_shows_a_message_and_keeps_the_stored_contact(client, deal, rep, world):
    contact = world.objects["contact"]
    before = _stored(contact)
    client.force_login(rep)
    response = client.post(
        reverse("deals:contact_edit", args=[deal.pk, contact.pk]),
        _contact_data(name="", phone="abc", revision=contact.revision),
    )
    page = _page(response)
    assert "Give the contact's name." in page
    assert "Enter a phone number of digits" in page
    assert "Edit Dana Buyer" in page
    assert _stored(contact) == before


def test_a_closed_deal_sends_the_owner_back_with_a_message(client, deal, rep):
    deal.status = DealStatus.WON
    deal.save()
    client.force_login(rep)
    response = client.post(reverse("deals:contact_add", args=[deal.pk]), _contact_data(), follow=True)
    assert "This deal is won: it takes no new contacts." in _page(response)
    assert not deal.customer.contacts.filter(name="Jana Kruse").exists()


@pytest.mark.parametrize(("who", "status"), [(Role.MANAGER, 403), (Role.PRODUCTION, 404), ("outsider", 404)])
def test_others_cannot_add_or_edit_and_nothing_changes(client, deal, world, who, status):
    contact = world.objects["contact"]
    before = _stored(contact)
    client.force_login(world.user(who))
    add = client.post(reverse("deals:contact_add", args=[deal.pk]), _contact_data())
    edit = client.post(
        reverse("deals:contact_edit", args=[deal.pk, contact.pk]), _contact_data(revision=contact.revision)
    )
    assert (add.status_code, edit.status_code) == (status, status)
    assert deal.customer.contacts.count() == 1
    assert _stored(contact) == before
    assert not Activity.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, deal):
    response = client.post(reverse("deals:contact_add", args=[deal.pk]), _contact_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert deal.customer.contacts.count() == 1


def test_a_contact_of_another_customer_is_not_found(client, deal, rep, world):
    # The same rep's other deal, with another customer: its contact is not this deal's.
    other_deal = DealFactory(team=world.team, owner=rep, customer=CustomerFactory(team=world.team))
    stranger = ContactFactory(customer=other_deal.customer, name="Sam Stranger")
    client.force_login(rep)
    url = reverse("deals:contact_edit", args=[deal.pk, stranger.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _contact_data(revision=stranger.revision)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.name == "Sam Stranger"


@pytest.mark.parametrize("junk", ["0", "999999", "9" * 40])
def test_junk_ids_are_not_found(client, deal, rep, world, junk):
    client.force_login(rep)
    contact = world.objects["contact"]
    urls = [
        f"/deals/{junk}/contacts/new/",
        f"/deals/{junk}/contacts/{contact.pk}/edit/",
        f"/deals/{deal.pk}/contacts/{junk}/edit/",
    ]
    assert reverse("deals:contact_add", args=[deal.pk]) == f"/deals/{deal.pk}/contacts/new/"
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, _contact_data()).status_code == 404, url
    assert deal.customer.contacts.count() == 1
