"""A team's data for export (``manage.py export_team_data``): every record of its practice, and the
people named in them without their passwords."""

from collections.abc import Iterator

from django.core import serializers
from django.db.models import Model, QuerySet
from django.utils import timezone

from deals.models import (
    Activity,
    Approval,
    ApprovalDelegation,
    Briefing,
    BriefingVersion,
    Concession,
    CoNegotiatorRequest,
    Consultation,
    Contact,
    Customer,
    Deal,
    FinancePolicy,
    Meeting,
    NegotiationReport,
    Objection,
    OnCall,
    PaymentTermRequest,
    PitchPoint,
    ReadinessChange,
)
from teams.models import Membership, Team, User

EXPORT_FORMAT = "negprep-team-export/1"

# What a person is in the export: who they are and whether they may still sign in; never the
# password hash, staff flags or sign-in history.
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "time_zone"]

# Every kind of record of a team, with the path from it to the team; the order is that of the
# foreign keys, so that a reader can load them one after another.
TEAM_RECORDS: list[tuple[type[Model], str]] = [
    (Membership, "team"),
    (FinancePolicy, "team"),
    (ApprovalDelegation, "team"),
    (Customer, "team"),
    (Contact, "customer__team"),
    (Deal, "team"),
    (Meeting, "deal__team"),
    (OnCall, "meeting__deal__team"),
    (CoNegotiatorRequest, "meeting__deal__team"),
    (Briefing, "deal__team"),
    (PitchPoint, "briefing__deal__team"),
    (Objection, "briefing__deal__team"),
    (Concession, "briefing__deal__team"),
    (BriefingVersion, "briefing__deal__team"),
    (Approval, "version__briefing__deal__team"),
    (Consultation, "deal__team"),
    (PaymentTermRequest, "deal__team"),
    (NegotiationReport, "meeting__deal__team"),
    (Activity, "deal__team"),
    (ReadinessChange, "deal__team"),
]


def team_by_id_or_name(value: str) -> Team | None:
    """The team with this id, or else with this name (any case); None when there is none."""
    value = value.strip()
    if value.isdigit():
        team = Team.objects.filter(pk=int(value)).first()
        if team is not None:
            return team
    return Team.objects.filter(name__iexact=value).first()


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def _rows(queryset: QuerySet) -> Iterator[dict]:
    many = [field.name for field in queryset.model._meta.many_to_many]
    rows = queryset.order_by("pk").prefetch_related(*many).iterator(chunk_size=2000)
    for row in serializers.serialize("python", rows):
        yield {"id": row["pk"], **row["fields"]}


def _user_ids(model: type[Model], rows: list[dict]) -> set[int]:
    """The people a kind of record names (its foreign keys and many-to-many fields to users)."""
    names = [
        field.name
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is User
    ]
    ids: set[int] = set()
    for row in rows:
        for name in names:
            value = row.get(name)
            if isinstance(value, list):
                ids.update(value)
            elif value is not None:
                ids.add(value)
    return ids


def team_export(*, team: Team) -> dict:
    """The team, its records by kind (``"deals.deal": [...]``) and every person they name.

    Each record is its fields as stored, with its id; a foreign key is the id of the record it
    points to, a many-to-many field the list of ids.
    """
    records: dict[str, list[dict]] = {}
    people: set[int] = set()
    for model, path in TEAM_RECORDS:
        rows = list(_rows(model.objects.filter(**{path: team})))
        records[_label(model)] = rows
        people |= _user_ids(model, rows)
    users = User.objects.filter(pk__in=people).order_by("pk")
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "team": {"id": team.pk, "name": team.name, "description": team.description},
        "users": [{"id": user.pk, **{name: getattr(user, name) for name in USER_FIELDS}} for user in users],
        "records": records,
    }


def export_counts(export: dict) -> dict[str, int]:
    """How many records of each kind an export holds, and how many people."""
    return {"users": len(export["users"]), **{label: len(rows) for label, rows in export["records"].items()}}
