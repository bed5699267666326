"""Demo gateway: tracking data over two years, licence access, a Social Worker type,
parents with several pupils and licence types, a pupil account, and an unused key."""

from django.conf import settings
from django.utils import timezone

from pupilhub.accounts.models import User
from pupilhub.demo import builder as core_demo
from pupilhub.demo.builder import PASSWORD, Demo, step
from pupilhub.schools.access import staff_access

from . import keys, licences
from .models import ExternalLink, LicenceType, TrackingField, TrackingValue

SUBJECTS = ["English", "Maths", "Science"]
PERIODS = [(7, "Y7 Autumn"), (7, "Y7 Spring"), (7, "Y7 Summer"), (8, "Y8 Autumn")]


def _tracking(demo: Demo, key: str) -> list[str]:
    school = demo.schools[key]
    fields = []
    for position, (year, period) in enumerate(PERIODS):
        for subject in SUBJECTS:
            fields.append(
                TrackingField.objects.create(
                    school=school,
                    key=f"{period}-{subject}".lower().replace(" ", "-"),
                    name=f"{period} {subject}",
                    subject=subject,
                    year_group=year,
                    period=period,
                    kind="number",
                    position=position,
                )
            )
    values = []
    for pupil in demo.pupils[key]:
        if pupil.year_group != 8:
            continue
        base = demo.rng.randint(2, 5)
        for f in fields:
            step_no = PERIODS.index((f.year_group or 0, f.period))
            value = base + step_no * 0.5 + demo.rng.choice([-0.5, 0, 0, 0.5])
            values.append(TrackingValue(school=school, pupil=pupil, field=f, value=f"{value:g}"))
    TrackingValue.objects.bulk_create(values)
    return [f.key for f in fields]


def _parent(email: str, first: str) -> User:
    return User.objects.create_user(
        email, PASSWORD, first_name=first, surname="Parent", email_verified_at=timezone.now()
    )


core_demo.EXTRA_LOGINS.extend(
    [
        (
            "parent@example.com",
            "parent: two Northgate pupils (one as Social Worker), one at Oakfield",
        ),
        ("carer@example.com", "parent at Northgate"),
        ("pupil@example.com", "pupil account at Northgate"),
    ]
)


@step
def gateway(demo: Demo) -> None:
    key = "northgate"
    school = demo.schools[key]
    tracking_keys = _tracking(demo, key)
    parent_type = LicenceType.objects.get(school=school, kind="parent")
    parent_type.access = {**parent_type.access, "tracking": tracking_keys}
    parent_type.save()
    pupil_type = LicenceType.objects.get(school=school, kind="pupil")
    pupil_type.access = {**pupil_type.access, "tracking": tracking_keys}
    pupil_type.save()
    social = licences.do_create_licence_type(demo.operator, school, "Social Worker")
    social.access = {
        "profile": ["first_name", "surname", "date_of_birth", "year_group"],
        "sen": ["needs", "what_helps", "current_targets"],
    }
    social.save()

    year8 = [p for p in demo.pupils[key] if p.year_group == 8 and p.status == "active"]
    mum = _parent("parent@example.com", "Priya")
    ExternalLink.objects.create(user=mum, school=school, pupil=year8[0], licence_type=parent_type)
    ExternalLink.objects.create(user=mum, school=school, pupil=year8[1], licence_type=social)
    oak = demo.schools["oakfield"]
    oak_parent = LicenceType.objects.get(school=oak, kind="parent")
    younger = next(p for p in demo.pupils["oakfield"] if p.status == "active")
    ExternalLink.objects.create(
        user=mum, school=oak, pupil=younger, licence_type=oak_parent, paperless_reports=False
    )
    dad = _parent("carer@example.com", "Tom")
    ExternalLink.objects.create(user=dad, school=school, pupil=year8[2], licence_type=parent_type)
    child = User.objects.create_user(
        "pupil@example.com",
        PASSWORD,
        first_name=year8[0].first_name,
        surname=year8[0].surname,
        email_verified_at=timezone.now(),
    )
    ExternalLink.objects.create(user=child, school=school, pupil=year8[0], licence_type=pupil_type)

    # One unused Parent key to try registering with (keys exist in plain text only now).
    admin = staff_access(demo.staff[f"{key}.office"], school.id)
    ((pupil, plain),) = licences.do_generate_keys(admin, parent_type, [year8[3]])
    core_demo.NOTES.append(
        f"Try registering a parent at {settings.BASE_URL}/join/{school.join_code} with\n"
        f"  pupil ID {pupil.pupil_id} and licence key {keys.display(plain)} (signed in as "
        "parent@example.com, the same address adds the pupil to that account)"
    )
