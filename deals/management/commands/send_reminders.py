from django.core.management.base import BaseCommand

from deals.services.sweep import reminder_sweep


class Command(BaseCommand):
    help = "Run one reminder sweep now (the same code as the Celery beat task) and print how many were sent."

    def handle(self, *args, **options):
        sent = reminder_sweep()
        self.stdout.write(f"Sent {sent} reminder{'s' if sent != 1 else ''}.")
