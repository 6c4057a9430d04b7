"""Meeting mode: asking from the room, answering, the limits, the notes, and the pages."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from deals.domain.live import beyond_limits, digest_notes
from deals.domain.snapshot import LimitsSnapshot
from deals.models import Activity, LiveAnswer, LiveQuestion, MeetingNote
from deals.selectors.live import live_events_since, live_meetings_for, question_recipients
from deals.services.live import answer_give, note_save, question_ask
from negprep.errors import Invalid, NotAllowed, Stale
from negprep.live import mark_present
from teams.models import Notification, Role
from tests.factories import MeetingFactory, OnCallFactory


@pytest.fixture
def live_meeting(deal):
    """A meeting of the deal that started ten minutes ago."""
    starts_at = timezone.now() - datetime.timedelta(minutes=10)
    return MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1))


@pytest.fixture
def on_call(live_meeting, world):
    return OnCallFactory(meeting=live_meeting, member=world.members[Role.PRODUCTION])


@pytest.fixture
def sent(monkeypatch):
    """What went out to the sockets, by group."""
    messages = []
    monkeypatch.setattr(
        "deals.services.live.broadcast", lambda group, payload: messages.append((group, payload))
    )
    return messages


def _ask(meeting, rep, text="Can we deliver by 2027-01-15?", **kwargs):
    return question_ask(meeting=meeting, by=rep, text=text, **kwargs)


# Asking -------------------------------------------------------------------------------------


def test_a_question_is_stored_numbered_on_the_timeline_and_sent_after_commit(
    live_meeting, on_call, rep, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = _ask(live_meeting, rep)
    assert question.sequence == 1
    assert LiveQuestion.objects.get().text == "Can we deliver by 2027-01-15?"
    assert Activity.objects.filter(deal=live_meeting.deal, verb="live_question").exists()
    groups = [group for group, _ in sent]
    assert groups == [f"meeting-{live_meeting.pk}", f"user-{on_call.member_id}"]
    assert sent[1][1]["toast"] is True and sent[1][1]["text"] == question.text


def test_nothing_is_sent_before_the_commit(
    live_meeting, on_call, rep, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        _ask(live_meeting, rep)
    assert sent == []


def test_who_has_no_page_open_gets_the_question_by_email(live_meeting, on_call, rep, sent):
    _ask(live_meeting, rep)
    notification = Notification.objects.get(recipient=on_call.member, kind="live_question")
    assert "Question from the meeting" in notification.title
    assert reverse("deals:meeting_live", args=[live_meeting.pk]) == notification.url


def test_who_has_a_page_open_gets_no_email(live_meeting, on_call, rep, sent):
    mark_present(on_call.member_id)
    _ask(live_meeting, rep)
    assert not Notification.objects.filter(kind="live_question").exists()


def test_the_managers_get_it_only_when_the_rep_ticks_it(live_meeting, on_call, rep, manager):
    assert question_recipients(meeting=live_meeting, to_managers=False) == [on_call.member]
    assert manager in question_recipients(meeting=live_meeting, to_managers=True)


def test_a_declined_colleague_is_not_asked(live_meeting, on_call, rep, sent):
    on_call.status = "declined"
    on_call.save()
    with pytest.raises(Invalid, match="Nobody is on call"):
        _ask(live_meeting, rep)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Type the question"), ("   ", "Type the question"), ("x" * 501, "under 500 characters")],
)
def test_an_empty_or_oversized_question_is_refused_and_never_sent(
    live_meeting, on_call, rep, sent, text, message
):
    with pytest.raises(Invalid, match=message):
        _ask(live_meeting, rep, text=text)
    assert not LiveQuestion.objects.exists()
    assert sent == []


def test_a_question_to_a_meeting_that_is_over_is_refused(deal, rep, world, sent):
    starts_at = timezone.now() - datetime.timedelta(hours=5)
    over = MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2))
    OnCallFactory(meeting=over, member=world.members[Role.PRODUCTION])
    with pytest.raises(Invalid, match="over"):
        _ask(over, rep)
    assert sent == []


def test_a_question_before_the_window_is_refused(meeting, rep, world, sent):
    OnCallFactory(meeting=meeting, member=world.members[Role.PRODUCTION])
    with pytest.raises(Invalid, match="opens 30 minutes before"):
        _ask(meeting, rep)


def test_only_the_people_at_the_table_ask(live_meeting, on_call, manager, sent):
    with pytest.raises(NotAllowed):
        _ask(live_meeting, manager)
    with pytest.raises(NotAllowed):
        _ask(live_meeting, on_call.member)


def test_a_co_negotiator_asks_too(live_meeting, on_call, world, sent):
    colleague = world.members[Role.MANAGER]
    live_meeting.co_negotiators.add(colleague)
    assert _ask(live_meeting, colleague).asked_by == colleague


def test_flooding_is_refused(live_meeting, on_call, rep, sent, settings):
    settings.NEGPREP_LIVE_PER_MINUTE = 3
    for number in range(3):
        _ask(live_meeting, rep, text=f"Question {number}")
    with pytest.raises(Invalid, match="too fast"):
        _ask(live_meeting, rep, text="One more")
    assert LiveQuestion.objects.count() == 3
    assert len([group for group, _ in sent if group.startswith("meeting-")]) <= 3


def test_the_same_client_key_is_stored_once(live_meeting, on_call, rep, sent):
    first = _ask(live_meeting, rep, client_key="abc-1")
    again = _ask(live_meeting, rep, client_key="abc-1")
    assert first.pk == again.pk
    assert LiveQuestion.objects.count() == 1


# Answering ----------------------------------------------------------------------------------


def test_the_colleague_on_call_answers_and_the_rep_gets_it(
    live_meeting, on_call, rep, sent, django_capture_on_commit_callbacks
):
    question = _ask(live_meeting, rep)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = answer_give(question=question, by=on_call.member, reply="yes")
    assert answer.sequence == 2 and answer.wording == "Yes"
    assert [group for group, _ in sent] == [f"meeting-{live_meeting.pk}", f"user-{rep.pk}"]
    assert Activity.objects.filter(verb="live_answer").exists()


def test_a_manager_answers(live_meeting, on_call, rep, manager, sent):
    question = _ask(live_meeting, rep, to_managers=True)
    assert answer_give(question=question, by=manager, reply="text", text="Yes, up to 10 %").text


def test_someone_not_on_call_may_not_answer(live_meeting, on_call, rep, world, sent):
    question = _ask(live_meeting, rep)
    sent.clear()
    for who in (rep, world.members[Role.SUPPLY_CHAIN]):
        with pytest.raises(NotAllowed):
            answer_give(question=question, by=who, reply="yes")
    assert not LiveAnswer.objects.exists() and sent == []


def test_an_empty_free_answer_is_refused(live_meeting, on_call, rep, sent):
    question = _ask(live_meeting, rep)
    with pytest.raises(Invalid, match="Type the answer"):
        answer_give(question=question, by=on_call.member, reply="text", text=" ")


def test_an_answer_beyond_the_approved_discount_is_marked_and_the_managers_told(
    live_meeting, on_call, rep, manager, approved, sent
):
    question = _ask(live_meeting, rep, text="Can we go to 15% discount?", kind="discount")
    answer = answer_give(question=question, by=on_call.member, reply="yes")
    assert answer.beyond_limits
    assert "15" in answer.beyond_reason and "maximum discount" in answer.beyond_reason
    told = Notification.objects.get(kind="live_beyond_limits")
    assert told.recipient == manager
    assert (
        any("Beyond the approved limits" in message.subject for message in mail.outbox) or told.email_subject
    )


def test_a_no_to_a_discount_beyond_the_limit_is_within_the_limits(live_meeting, on_call, rep, approved, sent):
    question = _ask(live_meeting, rep, text="Can we go to 15% discount?", kind="discount")
    assert not answer_give(question=question, by=on_call.member, reply="no").beyond_limits


def test_the_answerer_may_mark_an_answer_beyond_the_limits(live_meeting, on_call, rep, sent):
    question = _ask(live_meeting, rep, text="Can they have the demo unit for free?")
    answer = answer_give(question=question, by=on_call.member, reply="yes", beyond=True)
    assert answer.beyond_limits and "marked" in answer.beyond_reason


# The rules ----------------------------------------------------------------------------------


def _limits(**values):
    return LimitsSnapshot.from_json(
        {"currency": "EUR", "walk_away_price": "210.00", "max_discount_pct": "12.00", **values}
    )


def test_a_price_under_walk_away_is_beyond_only_with_the_currency_next_to_it():
    assert "walk-away" in beyond_limits(
        limits=_limits(), question="", reply="text", answer="OK at EUR 199.50"
    )
    assert "walk-away" in beyond_limits(limits=_limits(), question="", reply="text", answer="fine at 205 €")
    assert beyond_limits(limits=_limits(), question="", reply="text", answer="205 units by Friday") == ""
    assert beyond_limits(limits=None, question="", reply="yes", answer="50 %") == ""


def test_a_delivery_before_the_earliest_date_is_beyond():
    limits = _limits(earliest_delivery="2027-03-01")
    assert "earlier" in beyond_limits(
        limits=limits, question="Can we deliver by 2027-02-01?", reply="yes", answer=""
    )
    assert (
        beyond_limits(limits=limits, question="Can we deliver by 2027-04-01?", reply="yes", answer="") == ""
    )


def test_the_notes_give_the_report_what_they_mention_once():
    digest = digest_notes(
        "Agreed EUR 225.00 a unit\n8 % discount\n500 units\nDelivery 2027-03-15\n"
        "Next: send the contract\nGave: free training\nGot: 3-year term",
        currency="EUR",
    )
    assert digest.agreed_price == Decimal("225.00")
    assert digest.discount_pct == Decimal("8")
    assert digest.quantity == 500
    assert digest.delivery_date == datetime.date(2027, 3, 15)
    assert digest.next_steps == ["send the contract"]
    assert digest.given == ["free training"] and digest.received == ["3-year term"]
    assert digest_notes("5 % or 8 %?").discount_pct is None


# Reads --------------------------------------------------------------------------------------


def test_the_events_after_a_number_come_in_order(live_meeting, on_call, rep, sent):
    first = _ask(live_meeting, rep, text="One")
    answer_give(question=first, by=on_call.member, reply="no")
    _ask(live_meeting, rep, text="Two")
    events = live_events_since(meeting=live_meeting, after=0)
    assert [(event["event"], event["seq"]) for event in events] == [
        ("question", 1),
        ("answer", 2),
        ("question", 3),
    ]
    assert [event["seq"] for event in live_events_since(meeting=live_meeting, after=2)] == [3]


def test_a_live_meeting_is_offered_to_the_rep_and_the_colleague_on_call(live_meeting, on_call, rep, meeting):
    assert live_meetings_for(user=rep) == [live_meeting]
    assert live_meetings_for(user=on_call.member) == [live_meeting]
    assert live_meetings_for(user=rep, now=timezone.now() + datetime.timedelta(hours=4)) == []


# Notes --------------------------------------------------------------------------------------


def test_notes_save_with_their_revision_and_refuse_a_stale_one(live_meeting, rep):
    note = note_save(meeting=live_meeting, by=rep, text="Price 225", revision=0)
    assert note.revision == 1
    note = note_save(meeting=live_meeting, by=rep, text="Price 225, 8 %", revision=1)
    assert note.revision == 2
    with pytest.raises(Stale) as refused:
        note_save(meeting=live_meeting, by=rep, text="From the other phone", revision=1)
    assert refused.value.current.text == "Price 225, 8 %"
    assert MeetingNote.objects.get().text == "Price 225, 8 %"


def test_only_the_people_of_the_meeting_keep_notes(live_meeting, world):
    with pytest.raises(NotAllowed):
        note_save(meeting=live_meeting, by=world.members[Role.FINANCE], text="x", revision=0)


# Pages --------------------------------------------------------------------------------------


def test_the_page_shows_the_limits_the_ask_box_and_the_questions(
    client, live_meeting, on_call, rep, approved, sent
):
    _ask(live_meeting, rep, text="Can we deliver by 2027-01-15?")
    client.force_login(rep)
    response = client.get(reverse("deals:meeting_live", args=[live_meeting.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="live-ask"' in page and "Can we deliver by 2027-01-15?" in page
    assert "210.00" in page  # the walk-away price
    assert "no-store" in response["Cache-Control"]


def test_the_colleague_on_call_sees_answer_boxes_and_no_ask_box(client, live_meeting, on_call, rep, sent):
    _ask(live_meeting, rep)
    client.force_login(on_call.member)
    page = client.get(reverse("deals:meeting_live", args=[live_meeting.pk])).content.decode()
    assert 'data-testid="live-answer-form"' in page and 'data-testid="live-ask"' not in page


def test_a_department_that_only_sees_the_summary_is_refused(client, live_meeting, on_call, world):
    client.force_login(world.members[Role.SUPPLY_CHAIN])
    assert client.get(reverse("deals:meeting_live", args=[live_meeting.pk])).status_code == 404


def test_asking_through_the_page_answers_json_and_refusals_are_clear(
    client, live_meeting, on_call, rep, sent
):
    client.force_login(rep)
    url = reverse("deals:live_ask", args=[live_meeting.pk])
    ok = client.post(url, {"text": "Can we deliver by Friday?"}, HTTP_ACCEPT="application/json")
    assert ok.status_code == 200 and ok.json()["seq"] == 1
    empty = client.post(url, {"text": ""}, HTTP_ACCEPT="application/json")
    assert empty.status_code == 400 and "Type the question" in empty.json()["error"]
    unfilled = client.post(url, {"text": "Can we go to …% discount?"}, HTTP_ACCEPT="application/json")
    assert unfilled.status_code == 400 and "Fill in" in unfilled.json()["error"]


def test_the_polling_fallback_returns_what_came_after(client, live_meeting, on_call, rep, sent):
    _ask(live_meeting, rep, text="One")
    _ask(live_meeting, rep, text="Two")
    client.force_login(rep)
    body = client.get(reverse("deals:live_since", args=[live_meeting.pk, 1])).json()
    assert [event["text"] for event in body["events"]] == ["Two"] and body["live"] is True


def test_the_notes_endpoint_answers_409_with_what_is_stored(client, live_meeting, rep):
    client.force_login(rep)
    url = reverse("deals:live_notes", args=[live_meeting.pk])
    assert client.post(url, {"text": "a", "revision": 0}, HTTP_ACCEPT="application/json").json() == {
        "revision": 1
    }
    stale = client.post(url, {"text": "b", "revision": 0}, HTTP_ACCEPT="application/json")
    assert stale.status_code == 409 and stale.json()["text"] == "a"


def test_home_and_deal_page_link_to_meeting_mode_during_the_window(client, live_meeting, on_call, rep):
    client.force_login(rep)
    link = reverse("deals:meeting_live", args=[live_meeting.pk])
    assert link in client.get(reverse("home")).content.decode()
    assert link in client.get(reverse("deals:detail", args=[live_meeting.deal_id])).content.decode()


# The report ---------------------------------------------------------------------------------


def test_filing_the_report_starts_from_the_notes_and_shows_the_questions(
    client, deal, rep, world, approved, sent
):
    starts_at = timezone.now() - datetime.timedelta(hours=2)
    held = MeetingFactory(deal=deal, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1))
    on_call = OnCallFactory(meeting=held, member=world.members[Role.PRODUCTION])
    question = _ask(held, rep, text="Can we go to 8% discount?")
    answer_give(question=question, by=on_call.member, reply="yes")
    note_save(
        meeting=held,
        by=rep,
        text="Agreed EUR 230.00 a unit, 8 % off\n500 units\nNext: send the frame contract\nGot: 3-year term",
        revision=0,
    )
    client.force_login(rep)
    response = client.get(reverse("deals:report_file", args=[held.pk]))
    form = response.context["form"]
    assert form["agreed_price"].value() == Decimal("230.00")
    assert form["discount_pct"].value() == Decimal("8")
    assert form["quantity"].value() == 500
    assert form["next_steps"].value() == "send the frame contract"
    assert form["concessions_received"].value() == "3-year term"
    page = response.content.decode()
    assert "Can we go to 8% discount?" in page and 'data-testid="live-record"' in page
