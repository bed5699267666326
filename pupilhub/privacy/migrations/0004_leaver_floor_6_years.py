"""Leavers' records are kept at least 6 years from the date of birth (IRMS): a policy saved
below that, or a shortening waiting to take effect below it, is raised to 6."""

import django.core.validators
from django.db import migrations, models

FLOOR = 6


def raise_to_floor(apps, schema_editor):  # type: ignore[no-untyped-def]
    policies = apps.get_model("privacy", "RetentionPolicy")
    policies.objects.filter(leavers_years__lt=FLOOR).update(leavers_years=FLOOR)
    for policy in policies.objects.exclude(pending={}):
        wanted = (policy.pending or {}).get("leavers_years")
        if wanted is not None and wanted < FLOOR:
            policy.pending["leavers_years"] = FLOOR
            policy.save(update_fields=["pending"])


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0003_retention_pending"),
    ]

    operations = [
        migrations.AlterField(
            model_name="retentionpolicy",
            name="leavers_years",
            field=models.PositiveIntegerField(
                default=25,
                validators=[
                    django.core.validators.MinValueValidator(6),
                    django.core.validators.MaxValueValidator(100),
                ],
            ),
        ),
        migrations.RunPython(raise_to_floor, migrations.RunPython.noop),
    ]
