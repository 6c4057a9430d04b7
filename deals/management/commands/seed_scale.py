import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from deals.scale import ScaleSeedError, scale_seed
from teams.models import User


class Command(BaseCommand):
    help = (
        "Add a company to the demo data for measuring at scale: about 50 teams and N deals with their "
        "meetings, briefings, consultations, payment terms, reports, timeline and inbox (rita owns 0.2 % "
        "of the deals, her team 2 %). Runs seed_demo first when its users are missing. Deterministic: "
        "the same N gives the same data. Runs once per database: a second run refuses and changes "
        "nothing. Every generated user signs in with demo1234. Only with DEBUG on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--deals", type=int, default=100_000, help="How many deals to add (default 100000)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_scale refuses to run with DEBUG off: it creates users with a known "
                "password. Set DJANGO_DEBUG=1 on a machine that is not in production."
            )
        if not User.objects.filter(username="rita").exists():
            self.stdout.write("The demo users are missing: running seed_demo first.")
            call_command("seed_demo", stdout=self.stdout)
        log = self.stdout.write if options["verbosity"] > 1 else None
        load_before = os.getloadavg()[0]
        try:
            result = scale_seed(deals=options["deals"], log=log)
        except ScaleSeedError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Company data created in {result.seconds:.1f} s:"))
        width = max(len(name) for name in result.counts)
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<{width}}  {count:>10,}")
        self.stdout.write(f"  {'total rows':<{width}}  {sum(result.counts.values()):>10,}")
        self.stdout.write(
            "Time: " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in result.phases.items())
        )
        # The machine's load says how much of it the run had: timings are only comparable with it.
        self.stdout.write(
            f"Load average (1 min): {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end."
        )
        self.stdout.write("Every generated user signs in with the password demo1234.")
