from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import (
    Activity,
    CanFulfil,
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    PaymentTermStatus,
)
from deals.selectors.consultations import consultations_asked_of
from deals.selectors.readiness import readiness_for_deal
from deals.services.consultations import (
    consultation_add_optional,
    consultation_answer,
    consultation_remove_optional,
    consultation_request,
    consultation_waive,
)
from deals.services.deals import deal_create, deal_update
from deals.services.required_consultations import consultations_derive, required_departments
from negprep.errors import Invalid, NotAllowed
from teams.models import Notification, Role
from tests.factories import (
    ConsultationFactory,
    DealFactory,
    MeetingFactory,
    MembershipFactory,
    PaymentTermRequestFactory,
    UserFactory,
)

PRODUCTION_ANSWER = {
    "can_fulfil": CanFulfil.PARTLY,
    "missing": "Seals for 200 units",
    "extra_resources": "A second shift for two weeks",
    "lead_time_days": 10,
    "support": "Our plant manager joins a call if they ask about capacity",
}



def _departments(deal, **filters):
    return set(deal.consultations.filter(**filters).values_list("department", flat=True))


def _flag(deal, **flags):
    Deal.objects.filter(pk=deal.pk).update(**flags)
    deal.refresh_from_db()


def _required(deal, department):
    return deal.consultations.get(department=department, required=True)


def _asked(deal, department=Department.PRODUCTION, rep=None, assignee=None, **fields):
    """The deal's required consultation of the department, asked of its queue (or the assignee)."""
    if department == Department.PRODUCTION:
        _flag(deal, involves_production=True)
    consultations_derive(deal=deal)
    consultation = _required(deal, department)
    return consultation_request(
        consultation=consultation,
        by=rep or deal.owner,
        assignee=assignee,
        questions=fields.pop("questions", "Can we make 500 valves by June?"),
        due_at=fields.pop("due_at", None),
    )


def _future_day(days=30):
    return timezone.localdate() + timedelta(days=days)


# Which consultations are required --------------------------------------------------


def test_the_boss_is_always_required_and_nothing_else_by_default(deal):
    consultations_derive(deal=deal)
    boss = deal.consultations.get()
    assert boss.department == Department.BOSS
    assert boss.required is True
    assert boss.status == ConsultationStatus.OPEN
    assert boss.assignee is None


@pytest.mark.parametrize(
    "flag, department",
    [
        ("involves_production", Department.PRODUCTION),
        ("involves_delivery", Department.SUPPLY_CHAIN),
        ("special_payment_terms", Department.FINANCE),
    ],
)
def test_each_flag_of_the_deal_requires_its_department(deal, flag, department):
    _flag(deal, **{flag: True})
    consultations_derive(deal=deal)
    assert _departments(deal, required=True) == {Department.BOSS, department}


def _payment_request(deal, **fields):
    return PaymentTermRequestFactory(
        deal=deal,
        requested_by=deal.owner,
        net_days=90,
        customer_reason="Large investment this year",
        **fields,
    )


def test_an_outside_policy_payment_request_requires_finance(deal):
    _payment_request(deal, outside_policy=True)
    assert Department.FINANCE in required_departments(deal=deal)
    consultations_derive(deal=deal)
    assert Department.FINANCE in _departments(deal, required=True)


def test_a_rejected_or_within_policy_payment_request_does_not_require_finance(deal):
    _payment_request(deal, outside_policy=True, status=PaymentTermStatus.REJECTED)
    _payment_request(deal, outside_policy=False, status=PaymentTermStatus.APPROVED)
    assert required_departments(deal=deal) == {Department.BOSS}


def test_deriving_twice_changes_nothing_the_second_time(deal):
    _flag(deal, involves_production=True, involves_delivery=True)
    consultations_derive(deal=deal)
    first = set(deal.consultations.values_list("pk", flat=True))
    activities = Activity.objects.count()
    consultations_derive(deal=deal)
    assert set(deal.consultations.values_list("pk", flat=True)) == first
    assert Activity.objects.count() == activities


def test_creating_a_deal_derives_its_consultations_without_extra_timeline_entries(world):
    start = (timezone.now() + timedelta(days=4)).replace(second=0, microsecond=0)
    deal = deal_create(
        team=world.team,
        owner=world.members[Role.REP],
        new_customer={"name": "Globex Pumps", "industry": "Water"},
        title="Pumps 2027",
        scope="40 pumps",
        estimated_value=Decimal("50000"),
        involves_delivery=True,
        special_payment_terms=True,
        first_meeting={"starts_at": start, "ends_at": start + timedelta(hours=1), "location": "HQ"},
    )
    assert _departments(deal, required=True) == {Department.BOSS, Department.SUPPLY_CHAIN, Department.FINANCE}
    assert not deal.activities.filter(verb="consultations_derived").exists()


def test_changing_the_deal_adds_and_withdraws_unanswered_consultations(deal, world):
    rep = world.members[Role.REP]
    consultations_derive(deal=deal)
    deal_update(deal=deal, by=rep, involves_production=True)
    assert _departments(deal, required=True) == {Department.BOSS, Department.PRODUCTION}
    added = deal.activities.get(verb="consultations_derived")
    assert added.actor == rep
    assert "now required: Production" in added.summary

    deal_update(deal=deal, by=rep, involves_production=False)
    assert not deal.consultations.filter(department=Department.PRODUCTION).exists()
    withdrawn = deal.activities.filter(verb="consultations_derived").order_by("-pk").first()
    assert "no longer required and withdrawn: Production" in withdrawn.summary
    assert withdrawn.changes["Required consultations"] == {"old": "Boss, Production", "new": "Boss"}


def test_a_requested_but_unanswered_consultation_disappears_when_no_longer_required(deal, world):
    consultation = _asked(deal)
    deal_update(deal=deal, by=world.members[Role.REP], involves_production=False)
    assert not Consultation.objects.filter(pk=consultation.pk).exists()


def test_whoever_was_asked_hears_that_a_withdrawn_consultation_is_no_longer_needed(deal, world, production):
    rep = world.members[Role.REP]
    _asked(deal)
    deal_update(deal=deal, by=rep, involves_production=False)
    told = Notification.objects.get(kind="consultation_withdrawn")
    assert told.recipient == production
    assert told.url == "/"
    assert "no longer needed" in told.title
    assert f"{rep.get_full_name()} changed the deal" in told.body
    assert (
        not Notification.objects.filter(kind="consultation_withdrawn").exclude(recipient=production).exists()
    )


def test_a_withdrawn_consultation_nobody_was_asked_tells_nobody(deal, world):
    consultations_derive(deal=deal)
    deal_update(deal=deal, by=world.members[Role.REP], involves_production=True)
    deal_update(deal=deal, by=world.members[Role.REP], involves_production=False)
    assert not Notification.objects.filter(kind="consultation_withdrawn").exists()


def test_an_answered_consultation_stays_on_record_as_optional(deal, world, production):
    consultation = _asked(deal)
    consultation_answer(
        consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
    )
    deal_update(deal=deal, by=world.members[Role.REP], involves_production=False)
    consultation.refresh_from_db()
    assert consultation.required is False
    assert consultation.status == ConsultationStatus.ANSWERED
    assert consultation.missing == "Seals for 200 units"
    activity = deal.activities.filter(verb="consultations_derived").order_by("-pk").first()
    assert "kept on record: Production" in activity.summary


def test_an_answer_counts_again_when_the_flag_is_unticked_and_ticked_again(deal, world, production):
    rep = world.members[Role.REP]
    consultation = _asked(deal)
    consultation_answer(
        consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
    )
    deal_update(deal=deal, by=rep, involves_production=False)
    deal_update(deal=deal, by=rep, involves_production=True)
    consultation.refresh_from_db()
    assert (consultation.required, consultation.status) == (True, ConsultationStatus.ANSWERED)
    assert deal.consultations.filter(department=Department.PRODUCTION).count() == 1
    assert "Production" not in readiness_for_deal(deal).missing_consultations


def test_a_waived_consultation_stays_on_record_and_a_new_one_is_required_if_needed_again(
    deal, world, manager
):
    consultation = _asked(deal)
    consultation_waive(consultation=consultation, by=manager, reason="Stock item")
    deal_update(deal=deal, by=world.members[Role.REP], involves_production=False)
    consultation.refresh_from_db()
    assert (consultation.status, consultation.required) == (ConsultationStatus.WAIVED, False)

    deal_update(deal=deal, by=world.members[Role.REP], involves_production=True)
    fresh = _required(deal, Department.PRODUCTION)
    assert fresh.pk != consultation.pk
    assert fresh.status == ConsultationStatus.OPEN


def test_the_reps_unsettled_optional_consultation_becomes_the_required_one(deal, rep):
    consultations_derive(deal=deal)
    optional = consultation_add_optional(deal=deal, by=rep, department=Department.PRODUCTION)
    _flag(deal, involves_production=True)
    consultations_derive(deal=deal, by=rep)
    optional.refresh_from_db()
    assert optional.required is True
    assert deal.consultations.filter(department=Department.PRODUCTION).count() == 1


def test_readiness_item_4_waits_for_every_required_consultation(deal, manager, production):
    consultation = _asked(deal)
    readiness = readiness_for_deal(deal)
    assert readiness.checks["consultations"] is False
    assert readiness.missing_consultations == ["Boss", "Production"]

    consultation_answer(
        consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
    )
    assert readiness_for_deal(deal).missing_consultations == ["Boss"]
    consultation_waive(consultation=_required(deal, Department.BOSS), by=manager, reason="Known customer")
    assert readiness_for_deal(deal).checks["consultations"] is True


# Adding optional consultations -----------------------------------------------------


def test_the_owner_adds_an_optional_consultation(deal, rep):
    consultation = consultation_add_optional(deal=deal, by=rep, department=Department.FINANCE)
    assert (consultation.required, consultation.status) == (False, ConsultationStatus.OPEN)
    assert deal.activities.get(verb="consultation_added").actor == rep


@pytest.mark.parametrize("who", ["manager", "production", "finance", "outsider"])
def test_only_the_owner_adds_an_optional_consultation(deal, world, who):
    with pytest.raises(NotAllowed):
        consultation_add_optional(deal=deal, by=world.user(who), department=Department.FINANCE)
    assert not deal.consultations.exists()


def test_an_optional_consultation_is_refused_while_one_of_that_department_waits_to_be_sent(deal, rep):
    consultations_derive(deal=deal)
    with pytest.raises(Invalid, match="already waiting to be sent"):
        consultation_add_optional(deal=deal, by=rep, department=Department.BOSS)
    assert deal.consultations.count() == 1


# Requesting -------------------------------------------------------------------------


def test_a_request_to_the_queue_notifies_every_member_of_the_department(
    deal, world, production, django_capture_on_commit_callbacks, mailoutbox
):
    colleague = UserFactory(username="second_producer")
    MembershipFactory(user=colleague, team=world.team, role=Role.PRODUCTION)
    with django_capture_on_commit_callbacks(execute=True):
        consultation = _asked(deal)

    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.assignee is None
    assert consultation.requested_by == deal.owner
    notified = set(
        Notification.objects.filter(kind="consultation_requested").values_list("recipient", flat=True)
    )
    assert notified == {production.pk, colleague.pk}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([production.email, colleague.email])
    subject = mailoutbox[0].subject
    assert "asks your department whether we can make it" in subject
    due_day = timezone.localtime(consultation.due_at).strftime("%a %-d %b")
    assert f"by {due_day}, " in subject
    assert f"/deals/consultations/{consultation.pk}/answer/" in mailoutbox[0].body
    assert deal.activities.get(verb="consultation_requested").actor == deal.owner


def test_a_request_to_a_named_member_notifies_only_them(deal, world, production):
    colleague = UserFactory(username="second_producer")
    MembershipFactory(user=colleague, team=world.team, role=Role.PRODUCTION)
    consultation = _asked(deal, assignee=colleague)
    assert consultation.assignee == colleague
    notified = list(
        Notification.objects.filter(kind="consultation_requested").values_list("recipient", flat=True)
    )
    assert notified == [colleague.pk]
    assert Notification.objects.get(recipient=colleague).title.startswith(f"{deal.title}: ")
    assert "asks you whether we can make it" in Notification.objects.get(recipient=colleague).title


def test_the_due_time_defaults_to_a_day_before_the_next_meeting(deal, world):
    consultation = _asked(deal)
    expected = world.objects["meeting"].starts_at - timedelta(hours=24)
    assert consultation.due_at == expected.replace(second=0, microsecond=0)


def test_the_lead_before_the_meeting_comes_from_the_settings(deal, world, settings):
    settings.NEGPREP_CONSULTATION_LEAD_HOURS = 6
    consultation = _asked(deal)
    expected = world.objects["meeting"].starts_at - timedelta(hours=6)
    assert consultation.due_at == expected.replace(second=0, microsecond=0)


def test_without_a_meeting_the_answer_is_due_in_48_hours(deal, world):
    world.objects["meeting"].delete()
    before = timezone.now()
    consultation = _asked(deal)
    assert (
        before + timedelta(hours=47, minutes=59)
        <= consultation.due_at
        <= timezone.now() + timedelta(hours=48)
    )


def test_when_the_meeting_is_too_close_for_the_lead_the_answer_is_due_at_its_start(deal, world):
    meeting = world.objects["meeting"]
    meeting.starts_at = timezone.now() + timedelta(hours=5)
    meeting.ends_at = meeting.starts_at + timedelta(hours=1)
    meeting.save()
    consultation = _asked(deal)
    assert consultation.due_at == meeting.starts_at.replace(second=0, microsecond=0)


def test_a_due_time_after_the_next_meeting_is_refused_and_nothing_changes(deal):
    _flag(deal, involves_production=True)
    consultations_derive(deal=deal)
    consultation = _required(deal, Department.PRODUCTION)
    meeting = deal.meetings.get()
    with pytest.raises(Invalid, match="needed before the next meeting"):
        consultation_request(
            consultation=consultation,
            by=deal.owner,
            questions="Can we?",
            due_at=meeting.starts_at + timedelta(days=7),
        )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OPEN
    assert not Notification.objects.exists()


def test_a_due_time_in_the_past_is_refused_and_nothing_changes(deal):
    _flag(deal, involves_production=True)
    consultations_derive(deal=deal)
    consultation = _required(deal, Department.PRODUCTION)
    with pytest.raises(Invalid, match="in the past"):
        consultation_request(
            consultation=consultation,
            by=deal.owner,
            questions="Can we?",
            due_at=timezone.now() - timedelta(minutes=5),
        )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OPEN
    assert not Notification.objects.exists()


def test_questions_are_required(deal):
    consultations_derive(deal=deal)
    with pytest.raises(Invalid, match="Write the questions"):
        consultation_request(consultation=_required(deal, Department.BOSS), by=deal.owner, questions="  ")
    assert _required(deal, Department.BOSS).status == ConsultationStatus.OPEN


@pytest.mark.parametrize("who", ["manager", "production", "supply_chain", "finance", "outsider"])
def test_only_the_owner_requests_a_consultation(deal, world, who):
    _flag(deal, involves_production=True)
    consultations_derive(deal=deal)
    consultation = _required(deal, Department.PRODUCTION)
    with pytest.raises(NotAllowed):
        consultation_request(consultation=consultation, by=world.user(who), questions="Can we make it?")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OPEN
    assert not Notification.objects.exists()


def test_the_assignee_must_hold_the_departments_role_in_the_team(deal, world):
    _flag(deal, involves_production=True)
    consultations_derive(deal=deal)
    consultation = _required(deal, Department.PRODUCTION)
    outsider_producer = UserFactory(username="other_team_producer")
    MembershipFactory(user=outsider_producer, team=world.other_team, role=Role.PRODUCTION)
    for wrong in (world.members[Role.SUPPLY_CHAIN], outsider_producer):
        with pytest.raises(Invalid, match="cannot answer this consultation"):
            consultation_request(
                consultation=consultation, by=deal.owner, assignee=wrong, questions="Can we?"
            )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OPEN


def test_the_deal_owner_cannot_be_asked_for_the_boss_guidelines(deal, world):
    rep = world.members[Role.REP]
    MembershipFactory(user=rep, team=world.team, role=Role.MANAGER)
    consultations_derive(deal=deal)
    boss = _required(deal, Department.BOSS)
    with pytest.raises(Invalid, match="another manager"):
        consultation_request(consultation=boss, by=rep, assignee=rep, questions="Guidelines?")
    consultation_request(consultation=boss, by=rep, questions="Guidelines?")
    notified = set(Notification.objects.values_list("recipient", flat=True))
    assert notified == {world.members[Role.MANAGER].pk}


def test_re_requesting_updates_the_request_and_notifies_again(deal, world, production):
    consultation = _asked(deal)
    new_due = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    consultation_request(
        consultation=consultation,
        by=deal.owner,
        assignee=production,
        questions="Can we make 600 valves?",
        due_at=new_due,
    )
    consultation.refresh_from_db()
    assert (consultation.assignee, consultation.questions, consultation.due_at) == (
        production,
        "Can we make 600 valves?",
        new_due,
    )
    assert Notification.objects.filter(recipient=production, kind="consultation_requested").count() == 2
    activity = deal.activities.get(verb="consultation_rerequested")
    assert activity.changes["Asked"] == {"old": "the production queue", "new": str(production)}


def test_an_answered_consultation_cannot_be_requested_again(deal, production):
    consultation = _asked(deal)
    consultation_answer(
        consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
    )
    with pytest.raises(Invalid, match="already answered"):
        consultation_request(consultation=consultation, by=deal.owner, questions="Again?")


# Answering --------------------------------------------------------------------------


def test_production_answers_its_queue_and_the_rep_is_told(
    deal, production, django_capture_on_commit_callbacks, mailoutbox
):
    consultation = _asked(deal)
    committed = _future_day()
    with django_capture_on_commit_callbacks(execute=True):
        consultation_answer(
            consultation=consultation, by=production, committed_date=committed, **PRODUCTION_ANSWER
        )

    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ANSWERED
    assert consultation.answered_by == production
    assert consultation.answered_at is not None
    assert consultation.can_fulfil == CanFulfil.PARTLY
    assert consultation.lead_time_days == 10
    assert consultation.committed_date == committed
    assert consultation.extra_resources == "A second shift for two weeks"
    assert Notification.objects.filter(recipient=deal.owner, kind="consultation_answered").count() == 1
    answered_mail = [m for m in mailoutbox if m.to == [deal.owner.email]]
    assert len(answered_mail) == 1
    assert "answered your production consultation" in answered_mail[0].subject
    assert "Seals for 200 units" in answered_mail[0].body
    activity = deal.activities.get(verb="consultation_answered")
    assert activity.actor == production
    assert "can fulfil: partly, 10 days to mobilise" in activity.summary


@pytest.mark.parametrize("who", ["rep", "manager", "supply_chain", "finance", "outsider", "staff"])
def test_only_production_answers_a_production_consultation(deal, world, who):
    consultation = _asked(deal)
    with pytest.raises(NotAllowed):
        consultation_answer(
            consultation=consultation, by=world.user(who), committed_date=_future_day(), **PRODUCTION_ANSWER
        )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.answered_by is None
    assert not Notification.objects.filter(kind="consultation_answered").exists()


def test_a_consultation_addressed_to_a_named_member_is_answered_only_by_them(deal, world, production):
    colleague = UserFactory(username="second_producer")
    MembershipFactory(user=colleague, team=world.team, role=Role.PRODUCTION)
    consultation = _asked(deal, assignee=colleague)
    with pytest.raises(NotAllowed):
        consultation_answer(
            consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
        )
    consultation_answer(
        consultation=consultation, by=colleague, committed_date=_future_day(), **PRODUCTION_ANSWER
    )
    consultation.refresh_from_db()
    assert consultation.answered_by == colleague


def test_a_consultation_not_asked_yet_cannot_be_answered(deal, production):
    _flag(deal, involves_production=True)
    consultations_derive(deal=deal)
    consultation = _required(deal, Department.PRODUCTION)
    with pytest.raises(Invalid, match="not been asked yet"):
        consultation_answer(
            consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
        )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.OPEN


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"can_fulfil": ""}, "yes, partly or no"),
        ({"lead_time_days": None}, "lead time"),
        ({"lead_time_days": -1}, "cannot be negative"),
        ({"committed_date": None}, "earliest date you commit to"),
        ({"committed_date": timezone.localdate() - timedelta(days=1)}, "in the past"),
    ],
)
def test_production_must_say_whether_when_and_how_long(deal, production, changes, message):
    consultation = _asked(deal)
    answer = {**PRODUCTION_ANSWER, "committed_date": _future_day(), **changes}
    with pytest.raises(Invalid, match=message):
        consultation_answer(consultation=consultation, by=production, **answer)
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.can_fulfil == ""


def test_a_no_needs_no_committed_date(deal, production):
    consultation = _asked(deal)
    consultation_answer(
        consultation=consultation,
        by=production,
        can_fulfil=CanFulfil.NO,
        lead_time_days=0,
        missing="We stopped making HV-200",
    )
    consultation.refresh_from_db()
    assert (consultation.status, consultation.can_fulfil) == (ConsultationStatus.ANSWERED, CanFulfil.NO)


def test_a_consultation_is_answered_only_once(deal, world, production):
    consultation = _asked(deal)
    consultation_answer(
        consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
    )
    with pytest.raises(Invalid, match="already answered"):
        consultation_answer(
            consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
        )


def test_the_boss_gives_guidelines_in_words(deal, manager):
    consultation = _asked(deal, department=Department.BOSS)
    with pytest.raises(Invalid, match="guidelines"):
        consultation_answer(consultation=consultation, by=manager, answer="  ")
    consultation_answer(consultation=consultation, by=manager, answer="Hold the price; trade the warranty.")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ANSWERED
    assert consultation.answer == "Hold the price; trade the warranty."


def test_a_manager_never_gives_the_boss_guidelines_on_their_own_deal(world):
    owner = world.members[Role.MANAGER]
    MembershipFactory(user=owner, team=world.team, role=Role.REP)
    MembershipFactory(user=UserFactory(username="deputy_manager"), team=world.team, role=Role.MANAGER)
    deal = DealFactory(team=world.team, owner=owner, customer=world.objects["customer"])
    MeetingFactory(deal=deal)
    consultation = _asked(deal, department=Department.BOSS, rep=owner)
    with pytest.raises(NotAllowed):
        consultation_answer(consultation=consultation, by=owner, answer="I approve myself")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED


def test_finance_gives_guidance_in_words(deal, world):
    _flag(deal, special_payment_terms=True)
    consultation = _asked(deal, department=Department.FINANCE)
    finance = world.members[Role.FINANCE]
    with pytest.raises(Invalid, match="payment side"):
        consultation_answer(consultation=consultation, by=finance, answer="")
    with pytest.raises(NotAllowed):
        consultation_answer(consultation=consultation, by=world.members[Role.PRODUCTION], answer="60 days")
    consultation_answer(consultation=consultation, by=finance, answer="60 days net with 20 % deposit.")
    consultation.refresh_from_db()
    assert consultation.answered_by == finance


# Waiving ----------------------------------------------------------------------------


def test_a_manager_waives_with_a_reason_and_the_rep_and_the_asked_are_told(deal, world, manager, production):
    consultation = _asked(deal)
    with pytest.raises(Invalid, match="reason"):
        consultation_waive(consultation=consultation, by=manager, reason=" ")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED

    consultation_waive(consultation=consultation, by=manager, reason="Catalogue item, always in stock")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.WAIVED
    assert consultation.waived_by == manager
    assert consultation.waive_reason == "Catalogue item, always in stock"
    notified = set(
        Notification.objects.filter(kind="consultation_waived").values_list("recipient", flat=True)
    )
    assert notified == {deal.owner.pk, production.pk}
    assert deal.activities.get(verb="consultation_waived").actor == manager
    assert "Production" not in readiness_for_deal(deal).missing_consultations


@pytest.mark.parametrize("who", ["rep", "production", "supply_chain", "finance", "outsider", "staff"])
def test_only_a_manager_of_the_team_waives(deal, world, who):
    consultation = _asked(deal)
    with pytest.raises(NotAllowed):
        consultation_waive(consultation=consultation, by=world.user(who), reason="Not needed")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.REQUESTED
    assert consultation.waived_by is None


def test_an_answered_consultation_cannot_be_waived(deal, manager, production):
    consultation = _asked(deal)
    consultation_answer(
        consultation=consultation, by=production, committed_date=_future_day(), **PRODUCTION_ANSWER
    )
    with pytest.raises(Invalid, match="already answered"):
        consultation_waive(consultation=consultation, by=manager, reason="Not needed")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ANSWERED


# What is asked of whom --------------------------------------------------------------


def test_the_home_list_holds_what_is_addressed_to_the_user_or_their_queue_soonest_first(
    deal, world, production
):
    colleague = UserFactory(username="second_producer")
    MembershipFactory(user=colleague, team=world.team, role=Role.PRODUCTION)
    rep = world.members[Role.REP]
    soon = timezone.now() + timedelta(hours=6)
    later = timezone.now() + timedelta(days=2)

    queued = _asked(deal, due_at=later)
    second_deal = DealFactory(team=world.team, owner=rep, customer=world.objects["customer"])
    mine = _asked(second_deal, assignee=production, due_at=soon)
    third_deal = DealFactory(team=world.team, owner=rep, customer=world.objects["customer"])
    _asked(third_deal, assignee=colleague)
    fourth_deal = DealFactory(team=world.team, owner=rep, customer=world.objects["customer"])
    _flag(fourth_deal, involves_production=True)
    consultations_derive(deal=fourth_deal)  # open: not asked yet
    ConsultationFactory(
        deal=DealFactory(team=world.other_team),
        department=Department.PRODUCTION,
        status=ConsultationStatus.REQUESTED,
        questions="Another team's question",
        due_at=soon,
    )

    assert list(consultations_asked_of(user=production)) == [mine, queued]
    assert list(consultations_asked_of(user=world.members[Role.SUPPLY_CHAIN])) == []
    assert list(consultations_asked_of(user=world.members[Role.MANAGER])) == []


def test_the_owner_removes_an_optional_consultation_not_sent_yet(deal, world):
    rep = world.members[Role.REP]
    optional = consultation_add_optional(deal=deal, by=rep, department=Department.FINANCE)
    consultation_remove_optional(consultation=optional, by=rep)
    assert not Consultation.objects.filter(pk=optional.pk).exists()
    assert deal.activities.filter(verb="consultation_removed").exists()


def test_a_required_or_sent_consultation_cannot_be_removed(deal, world, production):
    rep = world.members[Role.REP]
    required = _asked(deal)
    with pytest.raises(Invalid, match="required by the deal"):
        consultation_remove_optional(consultation=required, by=rep)
    optional = consultation_add_optional(deal=deal, by=rep, department=Department.FINANCE)
    consultation_request(consultation=optional, by=rep, questions="60 days?")
    with pytest.raises(Invalid, match="already sent"):
        consultation_remove_optional(consultation=optional, by=rep)
    with pytest.raises(NotAllowed):
        consultation_remove_optional(consultation=optional, by=world.members[Role.MANAGER])
    assert Consultation.objects.filter(pk__in=[required.pk, optional.pk]).count() == 2
