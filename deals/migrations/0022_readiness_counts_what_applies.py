"""Readiness counts only what applies (DESIGN.md, "Readiness"): the boss's part is the approved
current version and finance's the payment-term request, so some deals are ready now that were not
(their boss or finance consultation no longer counts) and a deal with special payment terms but no
request is not. This runs ``manage.py refresh_readiness``, which moves each deal preparing or ready
to the status its checklist says, with a timeline entry like any other change.

It uses the application's code of this release: run the migrations with the code they came with.
A database with no deal preparing or ready (a new one) has nothing to recompute.
"""

from django.core.management import call_command
from django.db import migrations, models


def refresh_readiness(apps, schema_editor):
    Deal = apps.get_model("deals", "Deal")
    if Deal.objects.filter(status__in=["preparing", "ready"]).exists():
        call_command("refresh_readiness", verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("deals", "0021_departments_without_boss")]

    operations = [
        migrations.AlterField(
            model_name="negotiationreport",
            name="ready_at_meeting",
            field=models.BooleanField(
                default=False,
                help_text="Whether the deal was ready (every item that applies done) when the meeting started.",
            ),
        ),
        migrations.RunPython(refresh_readiness, migrations.RunPython.noop),
    ]
