from django.core.management.base import BaseCommand

from deals.services.readiness import readiness_resync


class Command(BaseCommand):
    help = (
        "Recompute the readiness of every deal preparing or ready and move it to ready (or back to "
        "preparing) where its checklist says so; prints how many deals changed. Migration 0022 runs it "
        "once; run it again after any change to the readiness rules."
    )

    def handle(self, *args, **options):
        changed = readiness_resync()
        self.stdout.write(f"{changed} deal{'s' if changed != 1 else ''} changed status.")
