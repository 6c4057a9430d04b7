import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from deals.domain.reminders import latest_crossed_window
from deals.models import (
    Briefing,
    BriefingStatus,
    ConsultationStatus,
    DealStatus,
    PaymentTermStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from deals.selectors.readiness import readiness_for_deal
from deals.services.cover import on_call_request, on_call_respond
from deals.services.guidelines import guidelines_ask
from deals.services.reminders import reminders_prune, reminders_send_due
from deals.services.sweep import reminder_sweep
from teams.models import EmailStatus, Notification
from tests.deals.briefing_helpers import approve_briefing
from tests.factories import (
    ConsultationFactory,
    DealFactory,
    MeetingFactory,
    NegotiationReportFactory,
    PaymentTermRequestFactory,
)
from tests.teams.celery_retries import retries_run_later
from tests.teams.smtp_refusing import PATH as REFUSING_SMTP
from tests.teams.smtp_refusing import RefusingBackend

HOUR = timedelta(hours=1)


def _boss_consulted():
    """Every briefing approved: each test sees only the reminders it sets up (those of a briefing
    not approved yet are tested on their own)."""
    Briefing.objects.update(status=BriefingStatus.APPROVED)


@pytest.fixture
def meeting(world):
    """The world's meeting in three days, its deal's briefing approved."""
    _boss_consulted()
    return world.objects["meeting"]


@pytest.fixture
def consultation(world, meeting):
    """A required production consultation sent to the production queue."""
    return ConsultationFactory(
        deal=meeting.deal,
        department="production",
        required=True,
        status=ConsultationStatus.REQUESTED,
        questions="Can we make 500 valves by March?",
        requested_by=world.members["rep"],
        requested_at=timezone.now(),
        due_at=meeting.starts_at - 24 * HOUR,
    )


def _at(meeting, hours_before):
    return time_machine.travel(meeting.starts_at - timedelta(hours=hours_before), tick=False)


def _sweep(capture):
    with capture(execute=True):
        return reminders_send_due()


def _rows(**filters):
    return sorted(
        Reminder.objects.filter(**filters).values_list("kind", "window_hours", "recipient__username")
    )


def test_the_window_is_the_smallest_one_crossed():
    start = timezone.now() + 10 * HOUR
    assert latest_crossed_window(starts_at=start, now=timezone.now(), windows=(72, 24, 4)) == 24
    assert latest_crossed_window(starts_at=start, now=start - 80 * HOUR, windows=(72, 24, 4)) is None
    assert latest_crossed_window(starts_at=start, now=start + HOUR, windows=(72, 24, 4)) is None


def test_nothing_is_due_before_the_largest_window(meeting, consultation, django_capture_on_commit_callbacks):
    with _at(meeting, 80):
        assert _sweep(django_capture_on_commit_callbacks) == 0
    assert not Reminder.objects.exists()


def test_at_72_hours_the_rep_and_the_queue_are_reminded_in_app_and_by_email(
    world, meeting, consultation, django_capture_on_commit_callbacks, mailoutbox
):
    with _at(meeting, 70):
        assert _sweep(django_capture_on_commit_callbacks) == 2
    assert _rows() == [("consultation", 72, "production_user"), ("consultation", 72, "rep_user")]
    paul = world.members["production"]
    notification = Notification.objects.get(recipient=paul)
    assert notification.kind == "reminder_consultation"
    assert notification.url == f"/deals/consultations/{consultation.pk}/answer/"
    assert notification.topic == meeting.deal.title
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[paul.email].startswith("Reminder: answer the production consultation")
    assert " by " in subjects[paul.email]
    assert subjects[world.members["rep"].email].startswith("Still missing: production consultation")


def test_a_consultation_not_sent_yet_reminds_only_the_rep(world, meeting, django_capture_on_commit_callbacks):
    ConsultationFactory(deal=meeting.deal, department="production", required=True)
    with _at(meeting, 70):
        assert _sweep(django_capture_on_commit_callbacks) == 1
    assert _rows() == [("consultation", 72, "rep_user")]
    note = Notification.objects.get()
    assert "you have not sent it yet" in note.body


def test_a_deactivated_rep_is_neither_reminded_nor_counted(
    world, meeting, consultation, django_capture_on_commit_callbacks
):
    rep = world.members["rep"]
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    with _at(meeting, 70):
        assert _sweep(django_capture_on_commit_callbacks) == 1
    assert _rows() == [("consultation", 72, "production_user")]
    assert not Reminder.objects.filter(notification__isnull=True).exists()


def test_a_named_assignee_is_reminded_instead_of_the_queue(
    world, meeting, consultation, django_capture_on_commit_callbacks
):
    from tests.factories import MembershipFactory, UserFactory

    second = UserFactory(username="second_production")
    MembershipFactory(user=second, team=world.team, role="production")
    consultation.assignee = second
    consultation.save()
    with _at(meeting, 70):
        _sweep(django_capture_on_commit_callbacks)
    assert _rows() == [("consultation", 72, "rep_user"), ("consultation", 72, "second_production")]


def test_a_second_sweep_and_a_double_beat_send_nothing_more(
    meeting, consultation, django_capture_on_commit_callbacks, mailoutbox
):
    with _at(meeting, 70):
        _sweep(django_capture_on_commit_callbacks)
        assert _sweep(django_capture_on_commit_callbacks) == 0
        assert _sweep(django_capture_on_commit_callbacks) == 0
    assert Reminder.objects.count() == 2
    assert len(mailoutbox) == 2


def test_from_24_hours_the_managers_get_one_escalation_listing_what_is_missing(
    world, meeting, consultation, django_capture_on_commit_callbacks, mailoutbox
):
    with _at(meeting, 20):
        _sweep(django_capture_on_commit_callbacks)
        _sweep(django_capture_on_commit_callbacks)
    escalations = Reminder.objects.filter(kind=ReminderKind.ESCALATION)
    assert [(r.recipient.username, r.window_hours) for r in escalations] == [("manager_user", 24)]
    mail = next(m for m in mailoutbox if m.subject.startswith("Escalation"))
    # The readiness checklist itself: what the deal page says, in a word or two.
    readiness = readiness_for_deal(meeting.deal)
    assert f"is not ready ({readiness})" in mail.subject
    assert "limits, pitch, waiting for production, on-call cover" in mail.subject
    assert "Every required consultation answered or waived (waiting for production)" in mail.body
    assert mail.to == [world.members["manager"].email]


def test_after_an_outage_only_the_latest_crossed_window_is_sent(
    meeting, consultation, django_capture_on_commit_callbacks
):
    with _at(meeting, 3):
        _sweep(django_capture_on_commit_callbacks)
    assert {window for _, window, _ in _rows()} == {4}
    assert not Reminder.objects.filter(window_hours__in=[72, 24]).exists()


def test_each_window_is_sent_once_as_the_meeting_nears(
    meeting, consultation, django_capture_on_commit_callbacks
):
    for hours in (70, 60, 20, 10, 3, 1):
        with _at(meeting, hours):
            _sweep(django_capture_on_commit_callbacks)
    rep_windows = sorted(
        Reminder.objects.filter(recipient__username="rep_user").values_list("window_hours", flat=True)
    )
    assert rep_windows == [4, 24, 72]


@pytest.mark.parametrize("settle", ["answered", "waived"])
def test_nothing_is_sent_once_the_consultation_is_settled(
    meeting, consultation, settle, django_capture_on_commit_callbacks
):
    consultation.status = settle
    consultation.save()
    with _at(meeting, 20):
        assert _sweep(django_capture_on_commit_callbacks) == 0
    assert not Reminder.objects.exists()


def test_nothing_is_sent_for_a_cancelled_meeting_or_a_closed_deal(
    meeting, consultation, django_capture_on_commit_callbacks
):
    meeting.cancelled = True
    meeting.save()
    with _at(meeting, 20):
        assert _sweep(django_capture_on_commit_callbacks) == 0
    meeting.cancelled = False
    meeting.save()
    meeting.deal.status = DealStatus.LOST
    meeting.deal.save()
    with _at(meeting, 20):
        assert _sweep(django_capture_on_commit_callbacks) == 0
    assert not Reminder.objects.exists()


def test_a_moved_meeting_re_arms_its_windows(meeting, consultation, django_capture_on_commit_callbacks):
    with _at(meeting, 70):
        _sweep(django_capture_on_commit_callbacks)
        meeting.starts_at += timedelta(hours=1)
        meeting.ends_at += timedelta(hours=1)
        meeting.save()
        _sweep(django_capture_on_commit_callbacks)
    starts = set(
        Reminder.objects.filter(recipient__username="rep_user").values_list("meeting_starts_at", flat=True)
    )
    assert len(starts) == 2


def test_a_user_who_turned_email_reminders_off_gets_them_in_the_inbox_only(
    world, meeting, consultation, django_capture_on_commit_callbacks, mailoutbox
):
    paul = world.members["production"]
    paul.email_reminders = False
    paul.save()
    with _at(meeting, 70):
        _sweep(django_capture_on_commit_callbacks)
    assert Notification.objects.get(recipient=paul).email_status == EmailStatus.SKIPPED
    assert [m.to for m in mailoutbox] == [[world.members["rep"].email]]


def test_a_reminder_email_the_smtp_server_refuses_is_retried_and_delivered_once(
    world, meeting, consultation, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.EMAIL_BACKEND = REFUSING_SMTP
    RefusingBackend.reset(failures=2)
    try:
        with _at(meeting, 70), retries_run_later():
            _sweep(django_capture_on_commit_callbacks)
    finally:
        RefusingBackend.reset(failures=0)
    rows = Notification.objects.filter(kind="reminder_consultation")
    assert {row.email_status for row in rows} == {EmailStatus.SENT}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.members["rep"].email, world.members["production"].email]
    )


def test_a_report_missing_after_24_hours_reminds_the_rep_and_after_72_tells_the_managers(
    world, meeting, django_capture_on_commit_callbacks
):
    with time_machine.travel(meeting.ends_at + 30 * HOUR, tick=False):
        _sweep(django_capture_on_commit_callbacks)
    assert _rows() == [("report", 24, "rep_user")]
    with time_machine.travel(meeting.ends_at + 80 * HOUR, tick=False):
        _sweep(django_capture_on_commit_callbacks)
    assert _rows(window_hours=72) == [("report", 72, "rep_user"), ("report_escalation", 72, "manager_user")]


def test_a_filed_report_stops_the_report_reminders(world, meeting, django_capture_on_commit_callbacks):
    NegotiationReportFactory(meeting=meeting, filed_by=world.members["rep"], outcome="continue")
    with time_machine.travel(meeting.ends_at + 80 * HOUR, tick=False):
        assert _sweep(django_capture_on_commit_callbacks) == 0


def test_send_reminders_runs_one_sweep_and_prints_the_count(meeting, consultation, capsys):
    with _at(meeting, 70):
        call_command("send_reminders")
    assert capsys.readouterr().out.strip() == "Sent 2 reminders."


def test_the_sweep_re_sends_emails_whose_task_the_broker_lost(
    world, meeting, consultation, django_capture_on_commit_callbacks, mailoutbox
):
    # The tasks enqueued after commit never run: as if Redis was emptied.
    with _at(meeting, 70), django_capture_on_commit_callbacks(execute=False):
        reminders_send_due()
    assert mailoutbox == []
    an_hour_later = time_machine.travel(meeting.starts_at - 69 * HOUR, tick=False)
    with an_hour_later, django_capture_on_commit_callbacks(execute=True):
        reminder_sweep()
    assert len(mailoutbox) == 2
    assert Reminder.objects.count() == 2


def test_a_rolled_back_request_enqueues_nothing(
    world, meeting, consultation, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks, _at(meeting, 70):
        try:
            with transaction.atomic():
                reminders_send_due()
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Reminder.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_at_the_same_time_send_each_reminder_once(world, consultation):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (two connections racing); CI runs it")
    meeting = world.objects["meeting"]
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(reminders_send_due(now=meeting.starts_at - 70 * HOUR))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 2
    assert Reminder.objects.count() == 2
    assert Notification.objects.filter(kind="reminder_consultation").count() == 2


@pytest.mark.django_db(transaction=True)
def test_three_sweeps_racing_over_many_batches_send_each_reminder_once(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (connections racing); CI runs it")
    monkeypatch.setattr("deals.services.reminders.CLAIM_BATCH", 3)
    rep = world.members["rep"]
    start = timezone.now() + 10 * HOUR
    for number in range(8):
        meeting = MeetingFactory(
            deal=DealFactory(team=world.team, owner=rep, title=f"Racing deal {number}"), starts_at=start
        )
        ConsultationFactory(
            deal=meeting.deal, department="production", required=True, status=ConsultationStatus.REQUESTED
        )
    _boss_consulted()
    # Per deal: the rep and the production member, plus the manager's escalation (24 h window).
    expected = 8 * 3
    barrier = threading.Barrier(3)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(reminders_send_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3
    assert sum(results) == expected
    assert Reminder.objects.count() == expected
    assert Notification.objects.filter(kind__startswith="reminder_").count() == expected
    assert not Reminder.objects.filter(notification__isnull=True).exists()


def test_a_worker_killed_between_claiming_and_sending_is_covered_by_a_later_sweep(
    world, meeting, consultation, django_capture_on_commit_callbacks, mailoutbox, settings
):
    from teams.notifications import email_claim

    with _at(meeting, 70), django_capture_on_commit_callbacks(execute=False):
        reminders_send_due()
    rep_row = Notification.objects.get(recipient=world.members["rep"])
    # A worker claims the e-mail, then dies before sending it.
    with _at(meeting, 70):
        assert email_claim(notification_id=rep_row.pk) is not None
        with django_capture_on_commit_callbacks(execute=True):
            reminder_sweep()
    rep_row.refresh_from_db()
    assert rep_row.email_status == EmailStatus.SENDING
    assert world.members["rep"].email not in [m.to[0] for m in mailoutbox]
    # Once the lease has run out, the next sweep sends it, once.
    after_lease = meeting.starts_at - 70 * HOUR + timedelta(seconds=settings.NEGPREP_EMAIL_LEASE_SECONDS + 60)
    with time_machine.travel(after_lease, tick=False), django_capture_on_commit_callbacks(execute=True):
        reminder_sweep()
        reminder_sweep()
    rep_row.refresh_from_db()
    assert rep_row.email_status == EmailStatus.SENT
    assert [m.to[0] for m in mailoutbox].count(world.members["rep"].email) == 1


def _every_window(meeting, capture):
    """Sweep through every window of the meeting: before it, and the report windows after it."""
    for moment in (
        meeting.starts_at - 70 * HOUR,
        meeting.starts_at - 20 * HOUR,
        meeting.starts_at - 3 * HOUR,
        meeting.ends_at + 30 * HOUR,
        meeting.ends_at + 80 * HOUR,
    ):
        with time_machine.travel(moment, tick=False), capture(execute=True):
            reminder_sweep()


def test_a_pruned_meeting_is_never_reminded_again(
    settings, meeting, consultation, django_capture_on_commit_callbacks, mailoutbox
):
    # A sweep (which prunes too) every six hours, from before the first window
    # until long after the last report window: each reminder goes out once.
    moment = meeting.starts_at - 73 * HOUR
    while moment < meeting.ends_at + timedelta(days=settings.NEGPREP_REPORT_LOOKBACK_DAYS + 20):
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            reminder_sweep()
        moment += 6 * HOUR
    reminders = Notification.objects.filter(kind__startswith="reminder_")
    assert sorted(reminders.values_list("kind", "recipient__username")) == sorted(
        # 72, 24 and 4 hours before: the rep and production, and from 24 hours the manager.
        3 * [("reminder_consultation", "rep_user"), ("reminder_consultation", "production_user")]
        + 2 * [("reminder_escalation", "manager_user")]
        # 24 and 72 hours after: the rep, and at 72 hours the manager.
        + 2 * [("reminder_report", "rep_user")]
        + [("reminder_report_escalation", "manager_user")]
    )
    assert len(mailoutbox) == 11
    assert not Reminder.objects.exists()


def test_pruning_deletes_only_the_ledger_rows_of_meetings_whose_windows_have_all_passed(
    world, settings, meeting, consultation, django_capture_on_commit_callbacks
):
    lookback = timedelta(days=settings.NEGPREP_REPORT_LOOKBACK_DAYS)
    recent = MeetingFactory(deal=DealFactory(team=world.team, owner=world.members["rep"], title="Recent"))
    recent.starts_at = meeting.starts_at + lookback
    recent.ends_at = recent.starts_at + 2 * HOUR
    recent.save()
    _every_window(meeting, django_capture_on_commit_callbacks)
    with (
        time_machine.travel(recent.ends_at + 30 * HOUR, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders_send_due()
    old_rows = set(Reminder.objects.filter(meeting=meeting).values_list("pk", flat=True))
    recent_rows = set(Reminder.objects.filter(meeting=recent).values_list("pk", flat=True))
    assert len(old_rows) > 2
    assert recent_rows
    # The report windows of the first meeting are still open a moment before the horizon.
    horizon = meeting.starts_at + lookback + timedelta(days=1)
    assert reminders_prune(now=horizon - timedelta(minutes=1)) == 0
    # Bounded: one batch deletes at most its size.
    assert reminders_prune(now=horizon, limit=2) == 2
    assert reminders_prune(now=horizon, limit=0) == 0
    assert reminders_prune(now=horizon) == len(old_rows) - 2
    assert set(Reminder.objects.values_list("pk", flat=True)) == recent_rows
    settings.NEGPREP_REMINDER_PRUNE_BATCH = 0
    assert reminders_prune(now=recent.starts_at + lookback + timedelta(days=2)) == 0
    assert set(Reminder.objects.values_list("pk", flat=True)) == recent_rows


def test_a_nothing_due_sweep_runs_a_fixed_number_of_queries_whatever_is_already_sent(
    world, meeting, consultation, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with _at(meeting, 20):
        with django_capture_on_commit_callbacks(execute=True):
            assert reminder_sweep() > 0
        # Consultation and report reminders, e-mails to resend (a fail-marking
        # update and a read), and one batch of the ledger to prune.
        with django_assert_num_queries(5):
            assert reminder_sweep() == 0


def test_a_batch_of_reminder_emails_goes_to_the_broker_as_one_message(
    world, meeting, consultation, django_capture_on_commit_callbacks, monkeypatch, mailoutbox
):
    from teams.tasks import send_notification_email, send_notification_emails

    published = []
    monkeypatch.setattr(send_notification_email, "delay", lambda *args: published.append(("one", args)))
    monkeypatch.setattr(send_notification_emails, "delay", lambda *args: published.append(("many", args)))
    with _at(meeting, 70):
        assert _sweep(django_capture_on_commit_callbacks) == 2
    rows = sorted(Notification.objects.filter(kind="reminder_consultation").values_list("pk", flat=True))
    assert [(kind, sorted(ids)) for kind, (ids,) in published] == [("many", rows)]
    # A worker fans the message out into one sending task per e-mail.
    monkeypatch.undo()
    send_notification_emails.delay(rows)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.members["rep"].email, world.members["production"].email]
    )


# What else a deal owes before its meeting: payment terms, the boss's part -----------------


def test_a_payment_term_request_waiting_reminds_finance_and_the_rep(
    world, meeting, django_capture_on_commit_callbacks, mailoutbox
):
    request = PaymentTermRequestFactory(
        deal=meeting.deal, requested_by=world.members["rep"], net_days=60, customer_reason="Cash flow"
    )
    with _at(meeting, 70):
        assert _sweep(django_capture_on_commit_callbacks) == 2
    assert _rows() == [("payment_terms", 72, "finance_user"), ("payment_terms", 72, "rep_user")]
    finance = Notification.objects.get(recipient=world.members["finance"])
    assert finance.url == f"/deals/payment-terms/{request.pk}/"
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[world.members["finance"].email].startswith("Reminder: decide the payment terms")
    assert subjects[world.members["rep"].email].startswith("Still waiting for finance")
    request.status = PaymentTermStatus.APPROVED
    request.save()
    with _at(meeting, 20):
        assert _sweep(django_capture_on_commit_callbacks) == 0


def test_a_briefing_not_submitted_reminds_only_the_rep(world, meeting, django_capture_on_commit_callbacks):
    Briefing.objects.update(status=BriefingStatus.DRAFT)
    with _at(meeting, 70):
        assert _sweep(django_capture_on_commit_callbacks) == 1
    assert _rows() == [("briefing", 72, "rep_user")]
    assert "submit the briefing for approval" in Notification.objects.get().body


@pytest.mark.parametrize("asked", ["submitted", "guidelines"])
def test_a_briefing_waiting_for_the_boss_reminds_the_managers_but_the_owner(
    world, meeting, asked, django_capture_on_commit_callbacks
):
    deal = meeting.deal
    if asked == "submitted":
        Briefing.objects.update(status=BriefingStatus.SUBMITTED)
    else:
        Briefing.objects.update(status=BriefingStatus.DRAFT)
        guidelines_ask(deal=deal, by=deal.owner, questions="How far may I go?")
    with _at(meeting, 70):
        assert _sweep(django_capture_on_commit_callbacks) == 2
    assert _rows() == [("briefing", 72, "manager_user"), ("briefing", 72, "rep_user")]
    told = Notification.objects.get(recipient=world.members["manager"], kind="reminder_briefing")
    expected = "waits for your decision" if asked == "submitted" else "asked you for guidelines"
    assert expected in told.body


def test_an_approved_briefing_reminds_nobody(meeting, django_capture_on_commit_callbacks):
    with _at(meeting, 20):
        assert _sweep(django_capture_on_commit_callbacks) == 0
    assert not Reminder.objects.exists()


def test_a_deal_ready_although_it_owes_something_is_not_escalated_and_not_found_again(
    world, meeting, django_capture_on_commit_callbacks, django_assert_num_queries
):
    deal = meeting.deal
    rep, manager = world.members["rep"], world.members["manager"]
    approve_briefing(deal, rep, manager)
    on_call = on_call_request(meeting=meeting, by=rep, member=world.members["production"], topic="specs")
    on_call_respond(on_call=on_call, by=world.members["production"], accept=True)
    assert readiness_for_deal(deal).is_ready
    # A returned version whose limits and pitch are those approved: the briefing owes a decision,
    # yet the deal stays ready.
    Briefing.objects.update(status=BriefingStatus.CHANGES_REQUESTED)
    with _at(meeting, 20):
        assert _sweep(django_capture_on_commit_callbacks) == 1  # the rep's own reminder
        skipped = Reminder.objects.get(kind=ReminderKind.ESCALATION)
        assert skipped.status == ReminderStatus.SKIPPED and skipped.notification is None
        assert not Notification.objects.filter(recipient=manager, kind="reminder_escalation").exists()
        with django_assert_num_queries(5):
            assert reminder_sweep() == 0
