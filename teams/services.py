"""Writes about people that are not sign-in or notifications: the profile a user keeps."""

from django.db import transaction

from negprep.errors import Stale
from negprep.versioning import mark_saved
from teams.models import User

PROFILE_FIELDS = ("first_name", "last_name", "email", "time_zone", "email_reminders")


@transaction.atomic
def profile_update(*, user: User, revision: int | None = None, **fields) -> bool:
    """Save the user's own profile; True when something changed (only then is a revision counted).

    ``Stale`` when the profile was saved after ``revision`` was read (in another tab or on another
    device: nobody else edits it), so that a page opened earlier does not overwrite that save.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"profile_update cannot change: {', '.join(sorted(unknown))}")
    current = User.objects.select_for_update().get(pk=user.pk)
    if revision is not None and current.revision != revision:
        raise Stale(
            "Your profile was saved in another tab or on another device after you opened this page: "
            "nothing you typed here was saved.",
            current=current,
        )
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if changed:
        for name in changed:
            setattr(current, name, fields[name])
        current.save(update_fields=[*changed, *mark_saved(current, by=user)])
    for name in (*PROFILE_FIELDS, "revision"):
        setattr(user, name, getattr(current, name))
    return bool(changed)
