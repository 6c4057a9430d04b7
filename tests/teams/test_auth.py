import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _clean_axes(db):
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


@pytest.fixture
def reset(client, django_capture_on_commit_callbacks):
    """Ask for a reset link; the e-mail leaves through the outbox once the request commits."""

    def post(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("password_reset"), data, **extra)

    return post


def _login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_signs_in_and_lands_on_home(client, rep):
    response = _login(client, rep.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == rep


def test_it_shows_a_clear_error_for_a_wrong_password(client, rep):
    response = _login(client, rep.username, "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_renews_the_session_at_login(client, rep):
    client.get(reverse("login"))
    client.cookies[settings.SESSION_COOKIE_NAME] = "attacker-chosen-session"
    session = client.session
    session["planted"] = "yes"
    session.save()
    before = session.session_key
    _login(client, rep.username)
    assert client.session.session_key != before


def test_it_ends_the_session_at_logout(client, rep):
    client.force_login(rep)
    key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_only_asks_to_confirm(client, rep):
    client.force_login(rep)
    page = client.get(reverse("logout"))
    assert page.status_code == 200
    assert "Sign out of NegPrep?" in page.content.decode()
    assert client.get(reverse("home")).status_code == 200


def test_signing_out_says_so_on_the_login_page(client, rep):
    client.force_login(rep)
    response = client.post(reverse("logout"), follow=True)
    assert "You are signed out." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_throttles_repeated_failures_for_a_username_and_address(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, rep.username, "wrong")
    response = _login(client, rep.username)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts" in page
    assert "is paused for 15 minutes" in page
    assert reverse("password_reset") in page
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_the_same_user_from_another_address(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, rep.username, "wrong")
    response = client.post(
        reverse("login"),
        {"username": rep.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.99",
    )
    assert response.status_code == 302


def test_a_lockout_does_not_lock_other_users_from_the_same_address(client, rep, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, rep.username, "wrong")
    assert _login(client, manager.username).status_code == 302


def test_it_changes_the_password_and_keeps_the_user_signed_in(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-Secret-42", "new_password2": "a-new-Secret-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    rep.refresh_from_db()
    assert rep.check_password("a-new-Secret-42")
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_password_change_with_a_wrong_old_password(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "a-new-Secret-42", "new_password2": "a-new-Secret-42"},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, rep, mailoutbox, reset):
    response = reset({"email": rep.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [rep.email]
    assert "Choose a new NegPrep password" in mail.subject
    link = next(line for line in mail.body.splitlines() if "/accounts/password/reset/" in line).strip()
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Fresh-Secret-2026", "new_password2": "Fresh-Secret-2026"},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password("Fresh-Secret-2026")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db, mailoutbox, reset):
    response = reset({"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_password_reset_requests_are_capped_per_address_and_change_nothing_once_over(
    client, rep, mailoutbox, settings, reset
):
    settings.NEGPREP_PASSWORD_RESET_LIMIT = 2
    for _ in range(2):
        assert reset({"email": rep.email}).status_code == 302
    assert len(mailoutbox) == 2

    response = reset({"email": rep.email})
    assert response.status_code == 429
    assert "Too many reset links were asked for" in response.content.decode()
    assert len(mailoutbox) == 2


def test_the_reset_cap_for_one_address_spares_other_addresses(
    client, rep, manager, mailoutbox, settings, reset
):
    settings.NEGPREP_PASSWORD_RESET_LIMIT = 1
    assert reset({"email": rep.email}).status_code == 302
    assert reset({"email": rep.email}).status_code == 429
    other = reset({"email": manager.email}, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302
    assert [m.to for m in mailoutbox] == [[rep.email], [manager.email]]


def test_one_address_cannot_spray_reset_mails_at_many_accounts(
    client, rep, manager, mailoutbox, settings, reset
):
    settings.NEGPREP_PASSWORD_RESET_LIMIT = 1
    assert reset({"email": rep.email}).status_code == 302
    assert reset({"email": manager.email}).status_code == 429
    assert len(mailoutbox) == 1


def test_behind_a_proxy_the_reset_cap_counts_each_client_not_the_proxy(
    client, rep, manager, mailoutbox, settings, reset
):
    settings.NEGPREP_PASSWORD_RESET_LIMIT = 1
    settings.NEGPREP_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = reset({"email": rep.email}, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    second = reset({"email": manager.email}, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert (first.status_code, second.status_code) == (302, 302)
    assert len(mailoutbox) == 2


def test_without_a_proxy_a_forged_forwarded_header_is_ignored(rf, settings):
    from teams.throttle import client_ip

    settings.NEGPREP_PROXY_COUNT = 0
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="198.51.100.7")
    assert client_ip(request) == "198.51.100.7"
    settings.NEGPREP_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7", REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == "198.51.100.7"


def test_a_reset_link_the_mail_server_refuses_is_retried_sent_once_and_not_kept(
    client, rep, reset, mailoutbox, settings
):
    from teams.models import EmailStatus, Notification
    from teams.notifications.selectors import notifications_unread_count
    from tests.teams.celery_retries import retries_run_later
    from tests.teams.smtp_refusing import PATH as REFUSING_SMTP
    from tests.teams.smtp_refusing import RefusingBackend

    settings.EMAIL_BACKEND = REFUSING_SMTP
    RefusingBackend.reset(failures=2)
    try:
        with retries_run_later():
            response = reset({"email": rep.email})
    finally:
        RefusingBackend.reset(failures=0)
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[rep.email]]
    assert "/accounts/password/reset/" in mailoutbox[0].body
    row = Notification.objects.get(kind="password_reset")
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 3
    assert (row.email_text, row.email_html) == ("", "")  # the link is not kept once it is out
    # An e-mail, not an inbox line.
    assert notifications_unread_count(user=rep) == 0
    client.force_login(rep)
    assert row.title not in client.get(reverse("notifications")).content.decode()
