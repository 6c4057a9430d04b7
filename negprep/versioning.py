"""No silent overwrite: every record a form edits carries a ``revision`` that each save increases.

A form sends back the revision it was loaded with. The service locks the row and calls
``refuse_stale`` before it changes anything, and ``mark_saved`` when it saves; the form shows the
refusal with ``negprep.forms.show_stale``. The same check serves any other writer that says which
revision it read (an htmx action, a second click on a decision).
"""

from django.core import signing
from django.utils import timezone
from django.utils.formats import date_format

from negprep.errors import Stale


def _who_and_when(record) -> tuple[str, str]:
    who = getattr(record, "updated_by", None)
    when = getattr(record, "updated_at", None)
    who_saved = f"{who} saved" if who else "Someone else saved"
    if not when:
        return who_saved, ""
    local = timezone.localtime(when)
    return who_saved, f" at {local:%H:%M} on {date_format(local, 'j M Y')}"


def refuse_stale(record, revision: int | None, *, what: str) -> None:
    """Raise ``Stale`` when ``record`` (locked, as stored) was saved after ``revision`` was read.

    ``revision`` None means the caller read nothing it could overwrite (a script, a migration).
    """
    if revision is None or record.revision == revision:
        return
    who_saved, at = _who_and_when(record)
    raise Stale(f"{who_saved} {what}{at}, after you opened it: nothing you typed was saved.", current=record)


def mark_saved(record, *, by) -> list[str]:
    """Count one more save of ``record`` by ``by``; the names of the fields this set, for
    ``save(update_fields=...)``."""
    record.revision += 1
    names = ["revision"]
    if hasattr(record, "updated_by_id"):
        record.updated_by = by
        names.append("updated_by")
    if hasattr(record, "updated_at"):
        names.append("updated_at")
    return names


_SHOWN_SALT = "negprep.versioning.shown"


def shown_key(record, *, to_id: int) -> str:
    """A key a page carries to say it showed ``record`` to the user ``to_id``: once the record is
    gone, a post with it is told so rather than answered 404 (``was_shown``). Signed, so nobody
    learns from it whether an id they guessed exists."""
    return signing.dumps([record._meta.label_lower, record.pk, to_id], salt=_SHOWN_SALT)


def was_shown(key: str | None, *, model, pk: int, to_id: int) -> bool:
    """Whether ``key`` (``shown_key``) says a page showed the ``model`` row ``pk`` to ``to_id``."""
    try:
        shown = signing.loads(key or "", salt=_SHOWN_SALT)
    except signing.BadSignature:
        return False
    return shown == [model._meta.label_lower, pk, to_id]
