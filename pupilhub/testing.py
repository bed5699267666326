"""The persona base every test suite shares (pytest fixtures) and API helpers.

Personas: School A's main admin, admin, SENCo (safeguarding lead) and teacher;
School B's admin; a platform operator. Factories make variations.
"""

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pupilhub.accounts.models import ApiToken, User
from pupilhub.pupils.identity import upn_check_letter
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School, StaffMembership

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


def make_upn(serial: int | None = None) -> str:
    body = f"80120000{(serial if serial is not None else next(_serial)) % 10000:04d}"
    return upn_check_letter(body) + body


def make_user(email: str | None = None, **extra: Any) -> User:
    email = email or f"user{next(_serial)}@example.org"
    extra.setdefault("first_name", "Test")
    extra.setdefault("surname", "Person")
    extra.setdefault("email_verified_at", timezone.now())  # every login needs a verified address
    return User.objects.create_user(email, PASSWORD, **extra)


def make_school(name: str = "School", **extra: Any) -> School:
    extra.setdefault("postcode", "OX1 1AA")
    extra.setdefault("year_from", 7)
    extra.setdefault("year_to", 11)
    school = School.objects.create(name=name, **extra)
    from pupilhub.schools.signals import school_created

    school_created.send(sender=School, school=school)  # as do_create_school does
    return school


def make_staff(school: School, role: str = "staff", sg: bool = False, **extra: Any) -> User:
    user = make_user(**extra)
    StaffMembership.objects.create(
        user=user, school=school, role=role, safeguarding_lead=sg, status="active"
    )
    return user


def make_pupil(school: School, **extra: Any) -> Pupil:
    n = next(_serial)
    data: dict[str, Any] = {
        "first_name": f"Pupil{n}",
        "surname": "Example",
        "date_of_birth": date(2012, 1, 1),
        "pupil_id": make_upn(n),
        "year_group": 8,
        "tutor_group": "8X",
        "sets": ["8X/Ma1"],
        "status": "active",
    }
    data.update(extra)
    return Pupil.objects.create(school=school, **data)


def bearer(user: User) -> dict[str, str]:
    _, raw = ApiToken.issue(user, 1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class Api:
    """A JSON client for one persona (or anonymous)."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.headers = bearer(user) if user else {}

    def _call(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        fn = getattr(self.client, method)
        if method in ("get", "delete"):
            return fn(f"/api/v1{path}", data or {}, **self.headers, **extra)
        if "format" in extra and extra.pop("format") == "multipart":
            return fn(f"/api/v1{path}", data or {}, **self.headers, **extra)
        return fn(f"/api/v1{path}", data, content_type="application/json", **self.headers, **extra)

    def get(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("get", path, data, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("post", path, data, **extra)

    def put(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("put", path, data, **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("patch", path, data, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self._call("delete", path, None, **extra)


@dataclass
class Personas:
    school_a: School
    school_b: School
    main_admin: User
    admin: User
    senco: User
    teacher: User
    admin_b: User
    operator: User
    pupil: Pupil
    pupil_b: Pupil

    def api(self, who: str | None) -> Api:
        return Api(getattr(self, who) if who else None)

    def web(self, who: str | None) -> Client:
        client = Client()
        if who:
            client.force_login(getattr(self, who))
        return client


def build_personas() -> Personas:
    school_a = make_school("School A")
    school_b = make_school("School B")
    return Personas(
        school_a=school_a,
        school_b=school_b,
        main_admin=make_staff(school_a, "main_admin", email="head@a.example.org"),
        admin=make_staff(school_a, "admin", email="office@a.example.org"),
        senco=make_staff(school_a, "staff", sg=True, email="senco@a.example.org"),
        teacher=make_staff(school_a, "staff", email="teacher@a.example.org"),
        admin_b=make_staff(school_b, "admin", email="office@b.example.org"),
        operator=make_user("operator@example.org", is_operator=True),
        pupil=make_pupil(school_a, first_name="Zebedee", surname="Quokka-Ä"),
        pupil_b=make_pupil(school_b, first_name="Bartholomew", surname="Otherschool"),
    )


_SCHOOLS, _USERS, _PUPILS = (
    ("school_a", "school_b"),
    (
        "main_admin",
        "admin",
        "senco",
        "teacher",
        "admin_b",
        "operator",
    ),
    ("pupil", "pupil_b"),
)


@pytest.fixture(scope="session")
def persona_ids(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    """The personas are written once a test session (each test runs in a transaction that
    is rolled back, so they come back unchanged); only their ids are kept here."""
    with django_db_blocker.unblock():
        built = build_personas()
    return {name: getattr(built, name).pk for name in (*_SCHOOLS, *_USERS, *_PUPILS)}


@pytest.fixture
def personas(db: Any, persona_ids: dict[str, Any]) -> Personas:
    """Fresh instances of the session's personas (three queries), so a test that changes one
    cannot leak the change into the next. A transactional test empties the database: the
    personas are then built again for that test."""
    schools = School.objects.in_bulk([persona_ids[n] for n in _SCHOOLS])
    if len(schools) < len(_SCHOOLS):
        return build_personas()
    users = User.objects.in_bulk([persona_ids[n] for n in _USERS])
    pupils = Pupil.objects.in_bulk([persona_ids[n] for n in _PUPILS])
    found: dict[str, Any] = {n: schools[persona_ids[n]] for n in _SCHOOLS}
    found.update({n: users[persona_ids[n]] for n in _USERS})
    found.update({n: pupils[persona_ids[n]] for n in _PUPILS})
    return Personas(**found)


@pytest.fixture(autouse=True)
def _fresh_shared_cache(settings: Any) -> None:
    """With Redis (CI's second leg) the cache outlives each test's rolled-back transaction;
    the personas keep their ids all session, so an entry a test left (a membership it
    removed, say) must not reach the next test."""
    if settings.SHARED_CACHE:
        from django.core.cache import cache

        cache.clear()


@pytest.fixture
def shared_cache(settings: Any) -> Any:
    """Turn on the shared-cache paths (Redis in production) over the test cache."""
    from django.core.cache import cache

    settings.SHARED_CACHE = True
    cache.clear()
    yield cache
    cache.clear()
