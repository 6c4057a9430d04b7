"""One conversation per party (DESIGN.md): the boss's consultations join the briefing's thread, and
finance is consulted through the payment-term request.

The boss. Every boss consultation that was asked becomes a guideline entry of its deal's
briefing, with nothing lost: the questions, who asked, of whom, when and by when; the guidelines,
who gave them and when; or the waiver, who waived it, when and why. Requests still waiting stay
waiting (the manager now answers them from the approval card); several waiting on one deal
become one request holding all their questions, asked at the first one's time. Boss
consultations never asked hold nothing and go. In-app notifications that pointed at a boss
consultation's answer page now point at the page where the managers give the deal's guidelines.

Finance. A required finance consultation is no longer derived: the payment-term request is
finance's part, and a finance consultation exists only for questions beyond payment terms.
Required finance consultations therefore

- never asked: go (nothing was asked; the deal's payment-term request, or its "special
  payment terms" flag, now asks finance);
- answered by a payment-term decision without having been asked: go, since the decision, its
  note and its reviewer are on the payment-term request, which stands for them;
- asked (waiting, answered or waived): stay as optional consultations, so the rep's questions,
  finance's answer or the waiver stay on record and a waiting one is still answered.

Optional consultations of every department are left as they are.
"""

from django.db import migrations
from django.urls import NoReverseMatch, reverse

SETTLED_BY_DECISION = "Answered by the payment-term decision"


def _version_at(versions, moment):
    """The briefing version being worked on at ``moment``: the latest submitted before it, or the
    next one when that was returned before it."""
    number = 1
    for submitted_at, version_number, decision, decided_at in versions:
        if moment is None or submitted_at > moment:
            break
        number = version_number
        if decision == "changes_requested" and decided_at is not None and decided_at <= moment:
            number = version_number + 1
    return number


def _answer_page_pattern():
    """The in-app address of a consultation's answer page, split around its id."""
    try:
        prefix, suffix = reverse("deals:consultation_answer", args=[999999999]).split("999999999")
        guidelines = reverse("deals:guidelines_give", args=[999999999])
    except NoReverseMatch:
        return None
    return prefix, suffix, guidelines


BATCH = 2000


def boss_consultations_to_guidelines(apps, schema_editor):
    Consultation = apps.get_model("deals", "Consultation")
    Briefing = apps.get_model("deals", "Briefing")
    BriefingVersion = apps.get_model("deals", "BriefingVersion")
    Guideline = apps.get_model("deals", "Guideline")
    Notification = apps.get_model("teams", "Notification")

    boss = Consultation.objects.filter(department="boss").exclude(status="open")
    moved = {}  # consultation id -> its deal id

    def flush(rows):
        """Turn these consultations (whole deals, ordered by deal) into guideline entries."""
        deal_ids = {c.deal_id for c in rows}
        briefings = {b.deal_id: b for b in Briefing.objects.filter(deal_id__in=deal_ids)}
        for consultation in rows:
            if consultation.deal_id not in briefings:
                deal = consultation.deal
                briefings[deal.pk] = Briefing.objects.create(deal=deal, currency=deal.currency)
        versions = {}
        for briefing_id, *version in (
            BriefingVersion.objects.filter(briefing__in=briefings.values())
            .order_by("briefing_id", "number")
            .values_list("briefing_id", "submitted_at", "number", "approval__decision", "approval__decided_at")
        ):
            versions.setdefault(briefing_id, []).append(version)
        entries, waiting = [], {}
        for consultation in rows:
            briefing = briefings[consultation.deal_id]
            if consultation.status == "requested" and briefing.pk in waiting:
                entry = waiting[briefing.pk]
                entry.questions = "\n\n".join(q for q in (entry.questions, consultation.questions.strip()) if q)
                if consultation.due_at and (entry.due_at is None or consultation.due_at < entry.due_at):
                    entry.due_at = consultation.due_at
                if entry.asked_of_id != consultation.assignee_id:
                    entry.asked_of_id = None  # asked of different managers: any of them answers
                moved[consultation.pk] = consultation.deal_id
                continue
            answered = consultation.status == "answered"
            moment = consultation.answered_at or consultation.waived_at or consultation.requested_at
            entry = Guideline(
                briefing=briefing,
                version=_version_at(versions.get(briefing.pk, []), moment),
                status={"requested": "asked", "answered": "given", "waived": "waived"}[consultation.status],
                questions=consultation.questions.strip(),
                asked_by_id=consultation.requested_by_id,
                asked_at=consultation.requested_at,
                asked_of_id=consultation.assignee_id,
                due_at=consultation.due_at,
                guidelines=consultation.answer if answered else "",
                given_by_id=consultation.answered_by_id if answered else None,
                given_at=consultation.answered_at if answered else None,
                waived_by_id=consultation.waived_by_id,
                waived_at=consultation.waived_at,
                waive_reason=consultation.waive_reason,
                created_at=consultation.requested_at or consultation.created_at,
            )
            if entry.status == "asked":
                waiting[briefing.pk] = entry
            entries.append(entry)
            moved[consultation.pk] = consultation.deal_id
        Guideline.objects.bulk_create(entries)

    rows = []
    for consultation in boss.order_by("deal_id", "requested_at", "created_at", "pk").iterator(chunk_size=BATCH):
        # A batch ends only between deals, so the requests of one deal are merged within it.
        if len(rows) >= BATCH and rows[-1].deal_id != consultation.deal_id:
            flush(rows)
            rows = []
        rows.append(consultation)
    if rows:
        flush(rows)

    pattern = _answer_page_pattern()
    if pattern and moved:
        prefix, suffix, guidelines_url = pattern
        retargeted = {}
        for pk, url in Notification.objects.filter(url__startswith=prefix, url__endswith=suffix).values_list(
            "pk", "url"
        ):
            consultation_pk = url[len(prefix) : len(url) - len(suffix)]
            if consultation_pk.isdigit() and int(consultation_pk) in moved:
                new = guidelines_url.replace("999999999", str(moved[int(consultation_pk)]))
                retargeted.setdefault(new, []).append(pk)
        for url, pks in retargeted.items():
            Notification.objects.filter(pk__in=pks).update(url=url)
    # Their reminder ledger rows go with them (the notifications those reminders wrote stay).
    Consultation.objects.filter(department="boss").delete()


def finance_consultations_by_request(apps, schema_editor):
    Consultation = apps.get_model("deals", "Consultation")
    required = Consultation.objects.filter(department="finance", required=True)
    required.filter(status="open").delete()
    required.filter(status="answered", answer__startswith=SETTLED_BY_DECISION, questions="").delete()
    required.update(required=False)


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0019_guidelines"),
        ("teams", "0006_email_retry_period_and_unconfirmed"),
    ]

    operations = [
        migrations.RunPython(boss_consultations_to_guidelines, migrations.RunPython.noop),
        migrations.RunPython(finance_consultations_by_request, migrations.RunPython.noop),
    ]
