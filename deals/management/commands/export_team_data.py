import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from deals.selectors.retention import export_counts, team_by_id_or_name, team_export


class Command(BaseCommand):
    help = (
        "Export one team's data as JSON: its members (no passwords), customers, contacts, deals, "
        "meetings and cover, briefings with their versions and approvals, consultations, payment-term "
        "requests, reports and the timeline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's id or name.")
        parser.add_argument(
            "--output", required=True, help="The JSON file to write; - writes to standard output."
        )

    def handle(self, *args, team, output, **options):
        found = team_by_id_or_name(team)
        if found is None:
            raise CommandError(f"No team with the id or name {team!r}.")
        export = team_export(team=found)
        text = json.dumps(export, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        if output == "-":
            self.stdout.write(text)
            return
        # Written beside the target and moved over it, so a failed run leaves no half a file; readable
        # by its owner only, for it holds the limits and people's contact details.
        partial = f"{output}.partial"
        with open(
            os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
        ) as file:
            file.write(text)
        os.replace(partial, output)
        counts = ", ".join(f"{count} {label}" for label, count in export_counts(export).items())
        self.stderr.write(f"Exported {found.name} (team {found.pk}) to {output}: {counts}.")
