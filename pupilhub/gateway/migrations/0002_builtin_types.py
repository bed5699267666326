"""Schools created before the gateway get their built-in Pupil and Parent/Guardian types."""

from django.db import migrations

PROFILE = ["first_name", "surname", "date_of_birth", "year_group", "tutor_group", "sets"]
SEN = ["about_me", "strengths", "needs", "what_helps", "what_does_not_help", "current_targets"]


def forwards(apps, schema_editor):
    School = apps.get_model("schools", "School")
    LicenceType = apps.get_model("gateway", "LicenceType")
    for school in School.objects.all():
        LicenceType.objects.get_or_create(
            school=school,
            kind="pupil",
            defaults={"name": "Pupil", "access": {"profile": PROFILE, "reports": ["available"]}},
        )
        LicenceType.objects.get_or_create(
            school=school,
            kind="parent",
            defaults={
                "name": "Parent/Guardian",
                "access": {"profile": PROFILE, "reports": ["available"], "sen": SEN},
            },
        )


class Migration(migrations.Migration):
    dependencies = [("gateway", "0001_initial"), ("schools", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
