from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q

SAFEGUARDING_TYPES = ("safeguardingissue", "safeguardingaction")


def backfill(apps, schema_editor):
    """Existing events: flag safeguarding ones, and say who each actor was."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    StaffMembership = apps.get_model("schools", "StaffMembership")
    events = AuditEvent.objects.all()
    events.filter(
        Q(action__startswith="safeguarding") | Q(object_type__in=SAFEGUARDING_TYPES)
    ).update(safeguarding=True)
    events.filter(actor__isnull=True).update(actor_kind="system")
    events.filter(actor__is_operator=True).update(actor_kind="operator")
    staff_here = StaffMembership.objects.filter(user=OuterRef("actor"), school=OuterRef("school"))
    staff_anywhere = StaffMembership.objects.filter(user=OuterRef("actor"))
    rest = events.filter(actor__isnull=False, actor_kind="")
    rest.filter(school__isnull=False).filter(Exists(staff_here)).update(actor_kind="staff")
    rest.filter(school__isnull=True).filter(Exists(staff_anywhere)).update(actor_kind="staff")
    events.filter(actor__isnull=False, actor_kind="").update(actor_kind="external")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_throttle_buckets"),
        ("schools", "0004_invitations"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="actor_kind",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="safeguarding",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
