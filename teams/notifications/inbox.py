"""The inbox: notifications written (with their e-mail, rendered at once) and marked read."""

import re
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from negprep.errors import NotAllowed
from teams.models import EmailStatus, Notification, Team, User
from teams.notifications.outbox import emails_enqueue

_TITLE_MAX = Notification._meta.get_field("title").max_length
_SUBJECT_MAX = Notification._meta.get_field("email_subject").max_length


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    context: dict,
    url: str,
    team: Team | None = None,
    topic: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct active recipient and e-mail it after commit.

    ``topic`` names what the notification is about (a deal), for grouping in
    the inbox; ``email=False`` keeps it in the inbox only.

    ``url`` is the site-relative path of the page where the recipient acts;
    the e-mail links to it absolutely. Templates: ``emails/<kind>_subject.txt``,
    ``emails/<kind>.txt`` and ``emails/<kind>.html``.
    """
    unique: dict[int, User] = {}
    for user in recipients:
        if user.is_active and user.pk not in unique:
            unique[user.pk] = user
    rows = [
        notification_build(
            recipient=recipient, kind=kind, context=context, url=url, team=team, topic=topic, email=email
        )
        for recipient in unique.values()
    ]
    return notifications_save(rows)


def notification_build(
    *,
    recipient: User,
    kind: str,
    context: dict,
    url: str,
    team: Team | None = None,
    topic: str = "",
    email: bool = True,
) -> Notification:
    """Render one notification (unsaved); ``notifications_save`` stores a batch of them."""
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError(f"A notification links to a path on this site, not {url!r}.")
    links = {
        "action_url": settings.NEGPREP_BASE_URL + url,
        "inbox_url": settings.NEGPREP_BASE_URL + reverse("notifications"),
    }
    subject, text, html = _render_email(kind, {"team": team, **context, **links, "recipient": recipient})
    return Notification(
        recipient=recipient,
        team=team,
        kind=kind,
        topic=_shorten(topic, 200),
        title=_shorten(subject, _TITLE_MAX),
        body=text,
        url=url,
        email_status=EmailStatus.PENDING if email and recipient.email else EmailStatus.SKIPPED,
        email_subject=_shorten(subject, _SUBJECT_MAX),
        email_text=text,
        email_html=html,
    )


def notifications_save(rows: list[Notification]) -> list[Notification]:
    """Store the notifications in one insert and queue their e-mails for after commit."""
    if not rows:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        emails_enqueue(
            notification_ids=[row.pk for row in created if row.email_status == EmailStatus.PENDING]
        )
    return created


def _render_email(kind: str, context: dict) -> tuple[str, str, str]:
    # Dates in an e-mail are read where the recipient is.
    with timezone.override(context["recipient"].time_zone or settings.TIME_ZONE):
        subject = " ".join(_render_plain(f"emails/{kind}_subject.txt", context).split())
        context = {**context, "subject": subject}
        text = _render_plain(f"emails/{kind}.txt", context)
        text = re.sub(r"[ \t]+\n", "\n", text)
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        html = render_to_string(f"emails/{kind}.html", context)
    return subject, text, html


def _render_plain(template_name: str, context: dict) -> str:
    # Plain text must not be HTML-escaped: "R&D" stays "R&D" in a subject.
    return get_template(template_name).template.render(Context(context, autoescape=False))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def email_only(*, recipient: User, kind: str, subject: str, text: str, html: str = "") -> Notification:
    """An e-mail that goes through the outbox (retries, resend by the sweep) without an inbox line."""
    row = Notification(
        recipient=recipient,
        kind=kind,
        in_inbox=False,
        title=_shorten(subject, _TITLE_MAX),
        url=reverse("home"),
        read_at=timezone.now(),
        email_status=EmailStatus.PENDING if recipient.email else EmailStatus.SKIPPED,
        email_subject=_shorten(subject, _SUBJECT_MAX),
        email_text=text,
        email_html=html,
    )
    return notifications_save([row])[0]


def notification_mark_read(*, notification: Notification, user: User) -> bool:
    """Mark the notification read; only its recipient may. Returns whether it was unread."""
    if notification.recipient_id != user.pk:
        raise NotAllowed("Only the recipient can mark a notification read.")
    if notification.read_at is not None:
        return False
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if changed:
        notification.read_at = now
    else:
        notification.refresh_from_db(fields=["read_at"])
    return bool(changed)


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )
