"""Small helpers of the models: labels, choice properties, currencies."""

from django.conf import settings
from django.db import models


def field_label(model, name: str) -> str:
    """A field's verbose name as a label: first letter up, the rest as written ("BATNA" stays)."""
    verbose = str(model._meta.get_field(name).verbose_name)
    return verbose[:1].upper() + verbose[1:]


def choice_is(field: str, value: models.TextChoices) -> property:
    """A read-only property: whether ``field`` holds ``value``.

    Templates ask these (``briefing.is_approved``) instead of comparing raw
    strings, which an enum rename would silently break.
    """
    return property(lambda self: getattr(self, field) == value, doc=f"Whether {field} is {value.value!r}.")


class Currency(models.TextChoices):
    EUR = "EUR", "EUR — Euro"
    USD = "USD", "USD — US dollar"
    GBP = "GBP", "GBP — Pound sterling"
    CHF = "CHF", "CHF — Swiss franc"
    SEK = "SEK", "SEK — Swedish krona"
    PLN = "PLN", "PLN — Polish złoty"
    JPY = "JPY", "JPY — Japanese yen"
    CNY = "CNY", "CNY — Chinese yuan"


class Revised(models.Model):
    """A record people edit in forms: ``revision`` counts its saves, so that a save from a form
    loaded before someone else's is refused (``negprep.versioning``), and ``updated_by`` says whose
    save it was."""

    revision = models.PositiveIntegerField(default=0, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        abstract = True
