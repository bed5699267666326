from django.conf import settings
from django.db import migrations, models
from django.db.models import F

# Records that belong to one pupil, by the model name audit events store.
OWNED = {
    "plan": ("documents", "Plan"),
    "provision": ("documents", "Provision"),
    "passport": ("documents", "Passport"),
    "meetinglog": ("documents", "MeetingLog"),
    "attachment": ("documents", "Attachment"),
    "safeguardingissue": ("documents", "SafeguardingIssue"),
    "externallink": ("gateway", "ExternalLink"),
    "licencekey": ("gateway", "LicenceKey"),
}


def backfill(apps, schema_editor):
    """Existing events: the pupil each is about, from the detail or the record's pupil."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditEvent.objects.filter(object_type="pupil").update(pupil=F("object_id"))
    changed = []
    for event in AuditEvent.objects.filter(pupil="").exclude(detail={}).only("id", "detail"):
        if isinstance(event.detail, dict) and event.detail.get("pupil"):
            event.pupil = str(event.detail["pupil"])
            changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["pupil"], batch_size=1000)
    for name, (app, model) in OWNED.items():
        owner = dict(apps.get_model(app, model).objects.values_list("id", "pupil_id"))
        owner = {str(k): str(v) for k, v in owner.items()}
        changed = []
        for event in AuditEvent.objects.filter(object_type=name, pupil="").only("id", "object_id"):
            if event.object_id in owner:
                event.pupil = owner[event.object_id]
                changed.append(event)
        AuditEvent.objects.bulk_update(changed, ["pupil"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_safeguarding_visibility"),
        ("schools", "0004_invitations"),
        ("documents", "0002_action_time_default"),
        ("gateway", "0003_search_and_school_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="pupil",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["school", "pupil", "-at"], name="audit_pupil_idx"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
