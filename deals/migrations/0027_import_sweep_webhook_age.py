from django.db import migrations, models


def queued_when_uploaded(apps, schema_editor):
    """Jobs from before the field count as asked for when they were uploaded."""
    ImportJob = apps.get_model("deals", "ImportJob")
    ImportJob.objects.filter(queued_at__isnull=True).update(queued_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0026_imports"),
        ("teams", "0009_oidc"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(queued_when_uploaded, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="webhookevent",
            index=models.Index(fields=["created_at"], name="webhook_event_age_idx"),
        ),
    ]
