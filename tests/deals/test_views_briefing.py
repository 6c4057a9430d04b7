from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from deals.models import Approval, BriefingStatus
from deals.services.briefings import briefing_decide, briefing_submit
from teams.models import Role
from tests.deals.briefing_helpers import fill_briefing
from tests.stale import revision_in


def _management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _post_data(revision=0, **fields):
    data = {
        "briefing-revision": str(revision),
        "briefing-objectives": "Frame contract",
        "briefing-approach": "",
        "briefing-attendees_interests": "",
        "briefing-currency": "EUR",
        "briefing-list_price": "250",
        "briefing-target_price": "230",
        "briefing-walk_away_price": "210",
        "briefing-max_discount_pct": "10",
        "briefing-quantity_min": "",
        "briefing-quantity_max": "",
        "briefing-earliest_delivery": "",
        "briefing-payment_terms": "30 days net",
        "briefing-batna": "",
        **_management("pitch", 2),
        "pitch-0-feature": "Fast delivery",
        "pitch-0-benefit": "Keeps line running",
        "pitch-0-evidence": "",
        "pitch-0-ORDER": "2",
        "pitch-1-feature": "Long warranty",
        "pitch-1-benefit": "Lower risk",
        "pitch-1-evidence": "",
        "pitch-1-ORDER": "1",
        **_management("objection", 0),
        **_management("concession", 1),
        "concession-0-give": "2 % discount",
        "concession-0-get": "3-year term",
        "concession-0-ORDER": "1",
        "action": "save",
    }
    data.update({f"briefing-{k}": v for k, v in fields.items()})
    return data


def test_the_owner_saves_a_draft_with_pitch_points_in_the_chosen_order(client, rep, deal):
    client.force_login(rep)
    response = client.post(reverse("deals:briefing_edit", args=[deal.pk]), _post_data())
    assert response.status_code == 302
    briefing = deal.briefing
    briefing.refresh_from_db()
    assert str(briefing.walk_away_price) == "210.00"
    assert [p.feature for p in briefing.pitch_points.all()] == ["Long warranty", "Fast delivery"]
    assert briefing.concessions.get().get == "3-year term"


def test_a_deleted_pitch_point_is_removed(client, rep, deal):
    client.force_login(rep)
    data = _post_data()
    data["pitch-0-DELETE"] = "on"
    client.post(reverse("deals:briefing_edit", args=[deal.pk]), data)
    assert [p.feature for p in deal.briefing.pitch_points.all()] == ["Long warranty"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"walk_away_price": "240"}, "walk-away price must not be above the target price"),
        ({"target_price": "260"}, "target price must not be above the list price"),
        ({"max_discount_pct": "120"}, "less than or equal to 100"),
        ({"max_discount_pct": "-1"}, "greater than or equal to 0"),
        ({"list_price": "abc"}, "Enter a number"),
        ({"list_price": "-5", "target_price": "-6", "walk_away_price": "-7"}, "cannot be negative"),
        ({"quantity_min": "-3"}, "greater than or equal to 0"),
        ({"quantity_min": "500", "quantity_max": "100"}, "maximum quantity must not be below the minimum"),
        ({"objectives": "x" * 5000}, "at most 4000 characters"),
        ({"quantity_max": "99999999999999999"}, "Quantities go up to 1,000,000,000"),
        ({"earliest_delivery": "2020-01-01"}, "earliest delivery we may promise cannot be in the past"),
    ],
)
def test_invalid_input_gets_a_clear_message_and_changes_nothing(client, rep, deal, fields, message):
    client.force_login(rep)
    response = client.post(reverse("deals:briefing_edit", args=[deal.pk]), _post_data(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    deal.briefing.refresh_from_db()
    assert deal.briefing.revision == 0
    assert deal.briefing.list_price is None


def test_a_pitch_point_without_benefit_is_refused(client, rep, deal):
    client.force_login(rep)
    data = _post_data()
    data["pitch-0-benefit"] = ""
    response = client.post(reverse("deals:briefing_edit", args=[deal.pk]), data)
    assert response.status_code == 400
    assert "Say what it brings this customer" in response.content.decode()
    assert not deal.briefing.pitch_points.exists()


def test_the_later_of_two_concurrent_saves_is_refused_and_keeps_the_input(client, rep, deal):
    client.force_login(rep)
    url = reverse("deals:briefing_edit", args=[deal.pk])
    assert client.post(url, _post_data(revision=0, objectives="First editor")).status_code == 302
    response = client.post(url, _post_data(revision=0, objectives="Second editor's plan"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "saved this briefing at " in page and "after you opened it" in page
    assert f'href="/deals/{deal.pk}/#briefing-panel" target="_blank"' in page
    assert "Second editor&#x27;s plan" in page
    differences = page[page.index('data-testid="stale-differences"') :]
    assert "First editor" in differences
    deal.briefing.refresh_from_db()
    assert deal.briefing.objectives == "First editor"

    # The refused page carries the current revision: saving it again puts the second plan over it.
    reapplied = revision_in(response, prefix="briefing")
    assert reapplied == str(deal.briefing.revision)
    response = client.post(url, _post_data(revision=reapplied, objectives="Second editor's plan"))
    assert response.status_code == 302
    deal.briefing.refresh_from_db()
    assert deal.briefing.objectives == "Second editor's plan"


def test_save_and_submit_locks_the_briefing(client, rep, deal):
    client.force_login(rep)
    data = _post_data()
    data["action"] = "submit"
    response = client.post(reverse("deals:briefing_edit", args=[deal.pk]), data)
    assert response.status_code == 302
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.SUBMITTED
    response = client.get(reverse("deals:briefing_edit", args=[deal.pk]))
    assert response.status_code == 302


def test_posted_status_and_version_fields_are_ignored(client, rep, deal):
    client.force_login(rep)
    data = _post_data(status="approved", version="9", approved_version="1")
    client.post(reverse("deals:briefing_edit", args=[deal.pk]), data)
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.DRAFT
    assert deal.briefing.version == 1


def test_a_manager_cannot_edit_and_nothing_changes(client, manager, deal):
    client.force_login(manager)
    response = client.post(reverse("deals:briefing_edit", args=[deal.pk]), _post_data())
    assert response.status_code == 403
    deal.briefing.refresh_from_db()
    assert deal.briefing.revision == 0


def test_another_rep_of_the_team_gets_404(client, world, deal):
    from tests.factories import MembershipFactory, UserFactory

    other = UserFactory()
    MembershipFactory(user=other, team=world.team, role=Role.REP)
    client.force_login(other)
    assert client.post(reverse("deals:briefing_edit", args=[deal.pk]), _post_data()).status_code == 404


def _submitted(deal, rep):
    fill_briefing(deal.briefing, rep)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)


def test_the_manager_approves_from_the_deal_page(client, rep, manager, deal):
    _submitted(deal, rep)
    client.force_login(manager)
    page = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert "Approve version 1" in page
    response = client.post(reverse("deals:briefing_approve", args=[deal.pk]), {"comment": "Go"})
    assert response.status_code == 302
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.APPROVED


def test_returning_without_a_comment_shows_a_message_and_changes_nothing(client, rep, manager, deal):
    _submitted(deal, rep)
    client.force_login(manager)
    response = client.post(reverse("deals:briefing_return", args=[deal.pk]), {"comment": ""}, follow=True)
    assert "a comment is required to return" in response.content.decode()
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.SUBMITTED


def test_the_owner_cannot_approve_their_own_briefing(client, rep, deal):
    _submitted(deal, rep)
    client.force_login(rep)
    assert client.post(reverse("deals:briefing_approve", args=[deal.pk])).status_code == 403
    assert not Approval.objects.exists()


def test_the_queue_decides_inline_with_htmx(client, rep, manager, deal):
    _submitted(deal, rep)
    client.force_login(manager)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="queue-item"' in home
    assert "230.00" in home and "210.00" in home
    response = client.post(
        reverse("deals:briefing_return", args=[deal.pk]), {"comment": "Too generous"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "returned" in response.content.decode()
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.CHANGES_REQUESTED


def test_a_decision_on_the_home_page_updates_the_queue_count_and_the_team_pipeline(
    client, rep, manager, deal
):
    _submitted(deal, rep)
    client.force_login(manager)
    response = client.post(
        reverse("deals:briefing_approve", args=[deal.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/",
    )
    page = response.content.decode()
    assert '<span id="approval-queue-count" class="badge text-bg-warning" hx-swap-oob="true">0</span>' in page
    pipeline = page[page.index('id="team-deals"') :]
    assert 'hx-swap-oob="true"' in pipeline.split(">", 1)[0]
    assert deal.title in pipeline


def test_a_decision_on_the_approvals_page_refreshes_no_pipeline(client, rep, manager, deal):
    _submitted(deal, rep)
    client.force_login(manager)
    response = client.post(
        reverse("deals:briefing_approve", args=[deal.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/deals/approvals/",
    )
    page = response.content.decode()
    assert 'id="approval-queue-count"' in page
    assert 'id="team-deals"' not in page


def test_the_history_page_lists_versions_and_decisions(client, rep, manager, deal):
    _submitted(deal, rep)
    client.force_login(manager)
    client.post(reverse("deals:briefing_return", args=[deal.pk]), {"comment": "Raise target"})
    page = client.get(reverse("deals:briefing_history", args=[deal.pk])).content.decode()
    assert "Version 1" in page
    assert "Changes requested" in page
    assert "Raise target" in page


def test_the_history_shows_what_a_draft_changes_before_it_is_submitted(client, rep, manager, deal):
    _submitted(deal, rep)
    briefing_decide(briefing=deal.briefing, by=manager, approve=True)
    fill_briefing(deal.briefing, rep, walk_away_price=Decimal("205"))
    client.force_login(rep)
    page = client.get(reverse("deals:briefing_history", args=[deal.pk])).content.decode()
    draft = page[page.index('data-testid="draft-changes"') : page.index('data-testid="version-1"')]
    assert "Version 2" in draft and "in draft, not submitted yet" in draft
    assert "Walk-away" in draft
    assert "205" in draft


def test_a_manager_delegates_and_sees_it_listed(client, world, manager):
    from tests.factories import MembershipFactory, UserFactory

    deputy = UserFactory(username="deputy", first_name="Dee", last_name="Puty")
    MembershipFactory(user=deputy, team=world.team, role=Role.MANAGER)
    client.force_login(manager)
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("deals:delegations"),
        {"team": world.team.pk, "delegate": deputy.pk, "starts_on": today, "ends_on": today},
    )
    assert response.status_code == 302
    page = client.get(reverse("deals:delegations")).content.decode()
    assert "Dee Puty" in page


def test_a_manager_alone_in_the_team_is_told_why_there_is_nobody_to_delegate_to(client, manager):
    client.force_login(manager)
    page = client.get(reverse("deals:delegations")).content.decode()
    assert 'data-testid="no-delegates"' in page
    assert "Choose a manager" not in page


def test_a_delegation_with_dates_reversed_is_refused(client, world, manager):
    from tests.factories import MembershipFactory, UserFactory

    deputy = UserFactory()
    MembershipFactory(user=deputy, team=world.team, role=Role.MANAGER)
    client.force_login(manager)
    response = client.post(
        reverse("deals:delegations"),
        {"team": world.team.pk, "delegate": deputy.pk, "starts_on": "2099-01-10", "ends_on": "2099-01-01"},
    )
    assert response.status_code == 400
    assert "must not be before the first day" in response.content.decode()


def test_a_manager_of_two_teams_sees_the_team_of_each_deal_in_the_pipeline(client, world, manager, deal):
    from tests.factories import DealFactory, MeetingFactory, MembershipFactory

    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    assert "<th>Team</th>" not in page

    MembershipFactory(user=manager, team=world.other_team, role=Role.MANAGER)
    other = DealFactory(team=world.other_team, title="Southern deal")
    MeetingFactory(deal=other)
    page = client.get(reverse("home")).content.decode()
    pipeline = page[page.index('id="team-deals"') :]
    assert "<th>Team</th>" in pipeline
    assert world.other_team.name in pipeline and world.team.name in pipeline


def test_the_history_writes_money_and_dates_as_the_pages_do(client, rep, manager, deal):
    from datetime import date

    _submitted(deal, rep)
    briefing_decide(briefing=deal.briefing, by=manager, approve=True)
    fill_briefing(
        deal.briefing, rep, list_price=Decimal("950000"), earliest_delivery=date(date.today().year + 1, 5, 15)
    )
    client.force_login(rep)
    page = client.get(reverse("deals:briefing_history", args=[deal.pk])).content.decode()
    draft = page[page.index('data-testid="draft-changes"') : page.index('data-testid="version-1"')]
    assert "950,000.00" in draft
    assert f"15 May {date.today().year + 1}" in draft


def test_the_queue_points_out_a_maximum_discount_that_goes_below_the_walk_away(client, rep, manager, deal):
    fill_briefing(deal.briefing, rep, max_discount_pct=Decimal("20"))  # 250 − 20 % = 200 < walk-away 210
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    assert "20 % off the list price is 200.00 EUR, below the walk-away price." in page


def test_the_queue_says_nothing_when_the_discount_stays_above_the_walk_away(client, rep, manager, deal):
    _submitted(deal, rep)
    client.force_login(manager)
    assert 'data-testid="queue-discount-floor"' not in client.get(reverse("home")).content.decode()


def test_the_editor_drafts_who_we_meet_from_the_next_meetings_contacts(client, rep, deal, world):
    client.force_login(rep)
    form = client.get(reverse("deals:briefing_edit", args=[deal.pk])).context["form"]
    contact = world.objects["contact"]
    drafted = form["attendees_interests"].value()
    assert drafted.startswith(f"{contact.name} (")
    assert contact.get_buying_role_display().lower() in drafted


def test_the_editor_keeps_what_was_written_about_who_we_meet(client, rep, deal):
    deal.briefing.attendees_interests = "Our own notes"
    deal.briefing.save(update_fields=["attendees_interests"])
    client.force_login(rep)
    form = client.get(reverse("deals:briefing_edit", args=[deal.pk])).context["form"]
    assert form["attendees_interests"].value() == "Our own notes"


def test_the_queue_shows_pitch_points_and_what_changed_since_the_approval(client, rep, manager, deal):
    _submitted(deal, rep)
    briefing_decide(briefing=deal.briefing, by=manager, approve=True)
    fill_briefing(deal.briefing, rep, walk_away_price=Decimal("205"))
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rep)
    client.force_login(manager)
    page = client.get(reverse("home")).content.decode()
    details = page[page.index('data-testid="queue-details"') :]
    details = details[: details.index("</details>")]
    assert "what changed since version 1" in details
    assert "Walk-away" in details and "205" in details
    assert "Give 2 % discount only for 3-year term" in strip_tags(details)
