"""Each report belongs to an academic year; existing reports take the year they were
created in (September to August)."""

from django.db import migrations, models


def by_creation(apps, schema_editor):  # type: ignore[no-untyped-def]
    reports = apps.get_model("reports", "Report")
    for report in reports.objects.filter(academic_year="").only("pk", "created_at"):
        on = report.created_at.date()
        start = on.year if on.month >= 9 else on.year - 1
        report.academic_year = f"{start}/{(start + 1) % 100:02d}"
        report.save(update_fields=["academic_year"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="academic_year",
            field=models.CharField(blank=True, max_length=7),
        ),
        migrations.RunPython(by_creation, migrations.RunPython.noop),
    ]
