"""Demo data for `make run` (and handy in tests).

Five schools: two primaries feeding three secondaries, one of them Scottish;
every staff role; 30+ pupils each, archived leavers, and the same children on
two schools' rolls. Later capabilities add their own steps to STEPS.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from pupilhub.accounts.models import User
from pupilhub.pupils.identity import upn_check_letter
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School, StaffMembership

PASSWORD = "pupilhub-demo-2026"
OPERATOR = "operator@pupilhub.example"

FIRST = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Ivy",
    "Leo",
    "Freya",
    "Oscar",
    "Lily",
    "Harry",
    "Florence",
    "Muhammad",
    "Evie",
    "Jack",
    "Grace",
    "Charlie",
    "Sophia",
    "Thomas",
    "Aoife",
    "Seán",
    "Zoë",
    "Chloé",
    "Rory",
    "Niamh",
    "Kai",
    "Priya",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Khan",
    "Evans",
    "O'Brien",
    "Thomas",
    "Roberts",
    "Walker",
    "Robinson",
    "Hughes",
    "Clarke",
    "Murphy",
    "Campbell",
    "MacDonald",
    "Ní",
    "Bhriain",
    "Lewis-Hall",
    "Nowak",
    "Okafor",
    "Singh",
    "Müller",
]

SCHOOLS = [
    # key, name, postcode, scheme, from, to, LA+establishment digits
    ("oakfield", "Oakfield Primary School", "OX1 2AB", "england", 0, 6, "8012001"),
    ("riverside", "Riverside Primary School", "OX4 3CD", "england", 0, 6, "8012002"),
    ("northgate", "Northgate Academy", "OX2 6EF", "england", 7, 11, "8014001"),
    ("stmarys", "St Mary's High School", "OX3 9GH", "england", 7, 13, "8014002"),
    ("glenbrae", "Glenbrae Academy", "EH4 1JK", "scotland", 8, 13, ""),
]
ROLES = [
    ("head", "main_admin", False, "Head"),
    ("office", "admin", False, "Office"),
    ("senco", "staff", True, "SENCo"),
    ("teacher", "staff", False, "Teacher"),
]


@dataclass
class Demo:
    """What the steps build, for later steps to use."""

    rng: random.Random
    operator: User
    schools: dict[str, School] = field(default_factory=dict)
    staff: dict[str, User] = field(default_factory=dict)
    pupils: dict[str, list[Pupil]] = field(default_factory=dict)


Step = Callable[[Demo], None]
STEPS: list[Step] = []


def step(fn: Step) -> Step:
    STEPS.append(fn)
    return fn


def upn(establishment: str, year: int, serial: int) -> str:
    body = f"{establishment[:3]}{establishment[3:7]}{year % 100:02d}{serial:03d}"
    return upn_check_letter(body) + body


# Every demo account that needs a second factor shares this authenticator secret, so a
# newcomer adds one entry to an app (or runs `make otp`) and can sign in as any of them.
DEMO_TOTP_SECRET = "PUPILHUBDEMOPUPILHUBDEMO23456723"


def _user(demo: Demo, email: str, first: str, surname: str, **extra: Any) -> User:
    extra.setdefault("email_verified_at", timezone.now())
    user = User.objects.create_user(email, PASSWORD, first_name=first, surname=surname, **extra)
    return user


def enrol_demo_factors() -> None:
    """Give every account whose role requires a second factor the shared demo secret."""
    from pupilhub.accounts import mfa
    from pupilhub.accounts.models import TotpDevice

    for user in User.objects.filter(totp__isnull=True):
        if mfa.requires_mfa(user):
            TotpDevice.objects.create(
                user=user, secret=DEMO_TOTP_SECRET, confirmed_at=timezone.now()
            )


@step
def schools_and_staff(demo: Demo) -> None:
    for key, name, postcode, scheme, y_from, y_to, estab_digits in SCHOOLS:
        school = School.objects.create(
            name=name,
            postcode=postcode,
            year_scheme=scheme,
            year_from=y_from,
            year_to=y_to,
            office_email=f"office@{key}.example.org",
            lea=estab_digits[:3],
            estab=estab_digits[3:],
            urn=f"1{estab_digits[-5:]}" if estab_digits else "",
        )
        demo.schools[key] = school
        for prefix, role, sg_lead, title in ROLES:
            email = f"{prefix}@{key}.example.org"
            user = _user(demo, email, title, name.split()[0])
            StaffMembership.objects.create(
                user=user, school=school, role=role, safeguarding_lead=sg_lead, status="active"
            )
            demo.staff[f"{key}.{prefix}"] = user
        from pupilhub.schools.signals import school_created

        school_created.send(sender=School, school=school)
    # An invitation not yet accepted shows on Northgate's staff page (no password, unverified).
    invited = User.objects.create_user(
        "new.teacher@northgate.example.org", None, first_name="Nia", surname="Newton"
    )
    StaffMembership.objects.create(
        user=invited,
        school=demo.schools["northgate"],
        role="staff",
        status="invited",
        invite_expires_at=timezone.now() + timedelta(days=7),
    )
    # One person working at two schools shows the school switcher.
    trust = _user(demo, "trust.senco@example.org", "Sam", "Okoro")
    for key in ("northgate", "stmarys"):
        StaffMembership.objects.create(
            user=trust,
            school=demo.schools[key],
            role="staff",
            safeguarding_lead=True,
            status="active",
        )


def _child(rng: random.Random, birth_year: int) -> tuple[str, str, date]:
    return (
        rng.choice(FIRST),
        rng.choice(SURNAMES),
        date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
    )


def _birth_year(year_group: int) -> int:
    # A child in Y1 in the 2026/27 school year was born Sep 2019 - Aug 2020.
    return 2020 - year_group


@step
def pupils(demo: Demo) -> None:
    rng = demo.rng
    for key, _name, _pc, scheme, y_from, y_to, estab in SCHOOLS:
        school = demo.schools[key]
        rows = []
        for serial in range(1, 37):
            year = y_from + (serial % (y_to - y_from + 1))
            first, surname, dob = _child(rng, _birth_year(year))
            pupil_id = (
                upn(estab, 26 - year, serial) if scheme == "england" else f"SCN{100000 + serial}"
            )
            tutor = school.year_label(year).replace("Reception", "R") + rng.choice("XY")
            sets = [f"{school.year_label(year)}/Ma{rng.randint(1, 3)}"] if year >= 7 else []
            status = "archived" if serial > 33 else "active"
            rows.append(
                Pupil(
                    school=school,
                    first_name=first,
                    surname=surname,
                    date_of_birth=dob,
                    pupil_id=pupil_id,
                    year_group=year,
                    tutor_group=tutor,
                    sets=sets,
                    status=status,
                    sex="FM"[serial % 2],  # a CTF needs every pupil's sex
                )
            )
        if key == "northgate":
            rows.append(
                _pupil(
                    school,
                    "Ellis",
                    "Reed",
                    date(2010, 3, 3),
                    upn(estab, 15, 900),
                    12,
                    "12R",
                    "active",
                )
            )
        for row in rows:
            row.refresh_match_key()
        demo.pupils[key] = Pupil.objects.bulk_create(rows)


def _pupil(
    school: School,
    first: str,
    surname: str,
    dob: date,
    pid: str,
    year: int,
    tutor: str,
    status: str,
) -> Pupil:
    return Pupil(
        school=school,
        first_name=first,
        surname=surname,
        date_of_birth=dob,
        pupil_id=pid,
        year_group=year,
        tutor_group=tutor,
        sets=[],
        status=status,
        sex="FM"[len(first) % 2],
    )


@step
def shared_children(demo: Demo) -> None:
    """Last year's Y6 leavers: archived at their primary, now Y7 at a secondary."""
    moves = [("oakfield", "northgate", 6), ("riverside", "stmarys", 5)]
    for primary, secondary, count in moves:
        estab = next(s[6] for s in SCHOOLS if s[0] == primary)
        for serial in range(count):
            first, surname, dob = _child(demo.rng, _birth_year(7))
            pid = upn(estab, 19, 500 + serial)
            old = _pupil(demo.schools[primary], first, surname, dob, pid, 6, "6L", "archived")
            # The secondary keyed one name with a curly apostrophe: still a match.
            new_surname = surname.replace("'", "\u2019")
            new = _pupil(
                demo.schools[secondary],
                first,
                new_surname,
                dob,
                pid,
                7,
                "7" + "XY"[serial % 2],
                "active",
            )
            old.save()
            new.save()
            demo.pupils[primary].append(old)
            demo.pupils[secondary].append(new)
    # A near miss: same child, date of birth keyed wrongly at the secondary.
    estab = next(s[6] for s in SCHOOLS if s[0] == "oakfield")
    pid = upn(estab, 19, 599)
    _pupil(
        demo.schools["oakfield"], "Maya", "Hart", date(2014, 5, 9), pid, 6, "6L", "archived"
    ).save()
    _pupil(
        demo.schools["northgate"], "Maya", "Hart", date(2014, 9, 5), pid, 7, "7X", "active"
    ).save()


def build(seed: int = 2026) -> Demo:
    """Run every step in one transaction; return what was built."""
    with transaction.atomic():
        operator = User.objects.create_user(
            OPERATOR, PASSWORD, is_operator=True, email_verified_at=timezone.now()
        )
        demo = Demo(rng=random.Random(seed), operator=operator)
        for fn in STEPS:
            fn(demo)
        enrol_demo_factors()
    notes_file().write_text("\n".join(NOTES) + ("\n" if NOTES else ""), encoding="utf-8")
    return demo


def refuse_in_production() -> None:
    """The demo's accounts share a published password and authenticator secret: never on a
    production database (one clear line, and nothing is written)."""
    from django.conf import settings
    from django.core.management.base import CommandError

    if settings.PRODUCTION:
        raise CommandError(
            "Refused: demo data (public passwords and authenticator secret) never goes on a "
            "production database (PUPILHUB_ENV=production)."
        )


def already_built() -> bool:
    return User.objects.filter(email=OPERATOR).exists()


def logins() -> list[tuple[str, str]]:
    rows = [(OPERATOR, "Platform operator")]
    for key, name, *_ in SCHOOLS:
        for prefix, role, sg_lead, title in ROLES:
            rows.append(
                (
                    f"{prefix}@{key}.example.org",
                    f"{title} ({role}{', safeguarding lead' if sg_lead else ''}) at {name}",
                )
            )
    rows.append(("trust.senco@example.org", "SENCo at Northgate and St Mary's (switcher)"))
    return rows + EXTRA_LOGINS


EXTRA_LOGINS: list[tuple[str, str]] = []
# Lines printed after the logins (e.g. an unused licence key to try registering with);
# saved beside the database at build time, since keys exist in plain text only once.
NOTES: list[str] = []


def notes_file() -> Any:
    from django.conf import settings

    return settings.DATA_DIR / "demo-notes.txt"
