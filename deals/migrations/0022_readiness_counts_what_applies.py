"""Readiness counts only what applies (DESIGN.md, "Readiness"): the boss's part is the approved
current version and finance's the payment-term request, so some deals are ready now that were not
(their boss or finance consultation no longer counts) and a deal with special payment terms but no
request is not. This runs ``manage.py refresh_readiness``, which moves each deal preparing or ready
to the status its checklist says, with a timeline entry like any other change.

The recomputation needs the application's code, so it runs once the whole ``migrate`` is done, when
the schema is the one the code expects: ``refresh_readiness = True`` asks for it (``deals.apps``).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    refresh_readiness = True

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
    ]
