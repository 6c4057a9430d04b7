from deals.models import Activity, Deal
from teams.models import User


def activity_record(
    *, deal: Deal, actor: User | None, verb: str, summary: str, changes: dict | None = None
) -> Activity:
    """Add one entry to the deal's timeline.

    ``changes`` maps a field label to ``{"old": ..., "new": ...}`` (JSON-safe values).
    """
    return Activity.objects.create(
        deal=deal, actor=actor, verb=verb, summary=summary[:300], changes=changes or {}
    )
