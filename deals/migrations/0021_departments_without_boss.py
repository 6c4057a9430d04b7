from django.db import migrations, models


class Migration(migrations.Migration):
    """Consultations are asked of production, supply chain and finance only: the boss's part is the
    briefing's thread (0020 moved the boss consultations there)."""

    dependencies = [("deals", "0020_one_conversation_per_party")]

    operations = [
        migrations.RemoveConstraint(model_name="consultation", name="consultation_department_valid"),
        migrations.AlterField(
            model_name="consultation",
            name="department",
            field=models.CharField(
                choices=[("production", "Production"), ("supply_chain", "Supply chain"), ("finance", "Finance")],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(("department__in", ["production", "supply_chain", "finance"])),
                name="consultation_department_valid",
            ),
        ),
    ]
