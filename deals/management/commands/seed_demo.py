from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from deals.services.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo teams, users (password demo1234) and deals. Only with DEBUG on."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates users with a known "
                "password. Set DJANGO_DEBUG=1 on a machine that is not in production."
            )
        with transaction.atomic():
            created = demo_seed()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {', '.join(created)}."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(
            "Sign in at /accounts/login/ as rita, max, paul, sue, fiona, rob or mia "
            "(password demo1234); staff: admin."
        )
