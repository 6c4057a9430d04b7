"""Forms say what they require before anyone submits: required fields carry crispy's *, and a
rule such as "one of these two" is printed above the fields it joins and read out with each."""

import html
import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from deals.forms.briefings import BriefingForm
from deals.models import Deal
from deals.services.briefings import submission_problems
from deals.services.required_consultations import consultations_derive
from teams.models import Role
from tests.deals.briefing_helpers import COMPLETE_FIELDS, fill_briefing
from tests.factories import MeetingFactory, MembershipFactory, TeamFactory

MARK = '<span class="asteriskField">*</span>'


def _page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _described_by(page: str, name: str) -> list[str]:
    tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="(?:\w+-)?{name}"[^>]*>', page)
    assert tag, f"no field named {name}"
    described = re.search(r'aria-describedby="([^"]*)"', tag[0])
    return described[1].split() if described else []


def _rule(page: str, text: str) -> str:
    """The id of the paragraph that states the rule, after checking it is under a marked legend."""
    found = re.search(
        rf'<legend>[^<]*{re.escape(MARK)}</legend>\s*<p [^>]*id="([^"]+)"[^>]*>{text}</p>', page
    )
    assert found, f"no marked group states: {text}"
    return found[1]


def test_the_meeting_form_says_a_location_or_a_video_link_is_needed(client, rep, world):
    client.force_login(rep)
    page = _page(client.get(reverse("deals:meeting_add", args=[world.objects["deal"].pk])))

    rule = _rule(page, re.escape("Give a location or a video link (or both)."))
    assert "Where we meet" + MARK in page
    assert rule in _described_by(page, "location")
    assert rule in _described_by(page, "video_link")
    # Each keeps its own help text too.
    assert "id_location_helptext" in _described_by(page, "location")


def test_the_new_deal_form_states_the_customer_and_meeting_place_rules(client, rep):
    client.force_login(rep)
    page = _page(client.get(reverse("deals:create")))

    customer_rule = _rule(page, re.escape("Pick an existing customer or type the name of a new one."))
    place_rule = _rule(page, re.escape("Give a location or a video link (or both)."))
    for name in ("customer", "new_customer_name"):
        assert customer_rule in _described_by(page, name)
    for name in ("location", "video_link"):
        assert place_rule in _described_by(page, name)


def test_the_new_deal_form_marks_the_team_for_a_rep_in_several_teams(client, rep, world):
    MembershipFactory(user=rep, team=TeamFactory(name="Eastgate"), role=Role.REP)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:create")))

    assert re.search(rf'<label\s+for="id_team"[^>]*>\s*Team{re.escape(MARK)}', page)

    response = client.post(reverse("deals:create"), {"team": ""})
    assert "Pick the team this deal belongs to." in html.unescape(response.content.decode())


def test_the_briefing_editor_marks_what_submitting_needs(client, rep, world):
    deal = world.objects["deal"]
    client.force_login(rep)
    page = _page(client.get(reverse("deals:briefing_edit", args=[deal.pk])))

    assert "Fields marked * and at least one pitch point are needed to submit for approval" in re.sub(
        "<[^>]+>", "", page
    )
    form = BriefingForm(prefix="briefing", instance=deal.briefing)
    for name in BriefingForm.NEEDED_TO_SUBMIT:
        label = re.escape(str(form.fields[name].label))
        assert re.search(rf'<label\s+for="id_briefing-{name}"[^>]*>\s*{label}', page), name
        assert MARK in str(form.fields[name].label)
    assert MARK not in str(form.fields["approach"].label)


def test_the_marked_briefing_fields_are_those_submitting_checks(rep, world):
    briefing = world.objects["deal"].briefing
    fill_briefing(briefing, rep)
    briefing.refresh_from_db()
    assert submission_problems(briefing) == []

    for name in BriefingForm.NEEDED_TO_SUBMIT:
        setattr(briefing, name, "" if isinstance(COMPLETE_FIELDS[name], str) else None)
        assert submission_problems(briefing), f"{name} is marked but submitting does not need it"
        briefing.refresh_from_db()
    unmarked = set(COMPLETE_FIELDS) - set(BriefingForm.NEEDED_TO_SUBMIT)
    for name in unmarked:
        setattr(briefing, name, "" if isinstance(COMPLETE_FIELDS[name], str) else None)
    assert submission_problems(briefing) == [], "submitting needs a field the editor does not mark"


def test_the_report_form_says_a_won_deal_needs_its_price(client, rep, world):
    meeting = MeetingFactory(deal=world.objects["deal"], starts_at=timezone.now() - timedelta(days=1))
    client.force_login(rep)
    page = _page(client.get(reverse("deals:report_file", args=[meeting.pk])))

    assert "Required when the deal is won" in page


def test_asking_every_department_marks_the_questions_of_every_row(client, rep, world):
    deal = world.objects["deal"]
    Deal.objects.filter(pk=deal.pk).update(involves_production=True, involves_delivery=False)
    consultations_derive(deal=deal)
    client.force_login(rep)
    page = _page(client.get(reverse("deals:consultations_ask", args=[deal.pk])))

    labels = re.findall(r'<label\s+for="id_[\w-]*questions"[^>]*>\s*([^<]*(?:<span[^>]*>\*</span>)?)', page)
    # Required rows and the optional ones (whose questions are needed once ticked) alike.
    assert 'data-department="supply_chain"' in page
    assert len(labels) == page.count('data-testid="ask-row"') > 1
    assert all(label.endswith(MARK) for label in labels), labels
