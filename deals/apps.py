from django.apps import AppConfig
from django.db.models.signals import post_migrate


def refresh_readiness_after_migrate(sender, plan=None, **kwargs):
    """A migration that changes what readiness counts says so (``refresh_readiness = True``). Once
    the whole ``migrate`` has run, and the schema is the one the code expects, every deal preparing
    or ready moves to the status its checklist gives (``manage.py refresh_readiness`` does the same
    by hand)."""
    if not any(
        getattr(migration, "refresh_readiness", False) and not backwards
        for migration, backwards in plan or ()
    ):
        return
    from deals.services.readiness import readiness_resync  # the app registry is ready only now

    readiness_resync()


class DealsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deals"
    verbose_name = "Deals and negotiations"

    def ready(self):
        post_migrate.connect(refresh_readiness_after_migrate, sender=self)
