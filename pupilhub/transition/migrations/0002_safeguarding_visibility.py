from django.db import migrations, models


def backfill(apps, schema_editor):
    """Flag requests that name safeguarding issues, and the audit events about them."""
    TransferRequest = apps.get_model("transition", "TransferRequest")
    AuditEvent = apps.get_model("core", "AuditEvent")
    flagged = [
        r.pk
        for r in TransferRequest.objects.only("pk", "document_types")
        if "safeguarding_issues" in (r.document_types or [])
    ]
    TransferRequest.objects.filter(pk__in=flagged).update(includes_safeguarding=True)
    AuditEvent.objects.filter(
        object_type="transferrequest", object_id__in=[str(pk) for pk in flagged]
    ).update(safeguarding=True)


class Migration(migrations.Migration):
    dependencies = [
        ("transition", "0001_initial"),
        ("core", "0004_safeguarding_visibility"),
    ]

    operations = [
        migrations.AddField(
            model_name="transferrequest",
            name="includes_safeguarding",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
