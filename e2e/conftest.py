"""Browser tests: Playwright driving Debian's Chromium against live_server.

Without /usr/bin/chromium they skip with a visible reason, unless
E2E_REQUIRED=1 (CI), when a missing browser fails the run.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in
# the test body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"E2E_REQUIRED=1 but Chromium is missing at {CHROMIUM}")
        pytest.skip(
            f"Browser tests skipped: Chromium not found at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, live_server, email, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture(autouse=True)
def _second_factor_only_where_tested(request, settings):
    """Journeys about other features sign in without a second factor; test_identity
    exercises the real policy end to end."""
    if request.module.__name__.rsplit(".", 1)[-1] != "test_identity":
        settings.MFA_REQUIRED_ROLES = []


def verify_token(body: str) -> str:
    """The token in a verification email's link."""
    import re

    found = re.search(r"/verify-email/#?([\w-]+)", str(body))
    assert found, body
    return found.group(1)


@pytest.fixture
def world(personas):
    """A SENCo's pupil with a plan, a provision, a meeting log, four terms of tracking,
    an ended report, and a parent linked who may see them (the pages people look at)."""
    from django.utils import timezone

    from pupilhub.documents.models import MeetingLog, Plan, Provision
    from pupilhub.gateway.models import ExternalLink, LicenceType, TrackingField, TrackingValue
    from pupilhub.reports.models import Report
    from pupilhub.testing import make_user

    school, pupil = personas.school_a, personas.pupil
    Plan.objects.create(
        school=school,
        pupil=pupil,
        plan_title="Reading plan",
        start_date="2026-09-01",
        status="active",
        targets=[{"description": "Read 20 words", "success_criteria": "Fluent", "outcome": ""}],
    )
    Provision.objects.create(
        school=school,
        pupil=pupil,
        name="Phonics",
        area_of_need="cognition_learning",
        cost_pence=12000,
        start_date="2026-09-01",
        entry_score=3,
        exit_score=5,
    )
    log = MeetingLog.objects.create(
        school=school, pupil=pupil, date="2026-10-05", meeting_type="review", notes="Notes"
    )
    parent_type = LicenceType.objects.get(school=school, kind="parent")
    keys = []
    for i, period in enumerate(["Y7 Autumn", "Y7 Spring", "Y7 Summer", "Y8 Autumn"]):
        field = TrackingField.objects.create(
            school=school,
            key=f"maths-{i}",
            name=f"Maths {period}",
            subject="Maths",
            year_group=8,
            period=period,
            kind="number",
            position=i,
        )
        TrackingValue.objects.create(school=school, pupil=pupil, field=field, value=str(3 + i))
        keys.append(field.key)
    parent_type.access = {
        "profile": ["first_name", "surname", "tutor_group"],
        "tracking": keys,
        "reports": ["available"],
    }
    parent_type.save()
    parent = make_user("parent@example.com", email_verified_at=timezone.now())
    link = ExternalLink.objects.create(
        user=parent, school=school, pupil=pupil, licence_type=parent_type
    )
    report = Report.objects.create(
        school=school,
        name="Autumn progress",
        year_groups=[8],
        fields=[{"key": keys[0], "heading": "Maths"}],
        status="ended",
    )
    report.licence_types.set([parent_type])
    _safeguarding(personas)
    return {"log": log, "link": link, "report": report}


def _safeguarding(personas):
    """A concern with a body map, a task for the teacher and a late referral."""
    from datetime import timedelta

    from django.utils import timezone

    from pupilhub.safeguarding import actions
    from pupilhub.safeguarding.models import Referral, Task
    from pupilhub.schools.access import staff_access
    from pupilhub.schools.models import StaffMembership

    today = timezone.localdate()
    teacher = staff_access(personas.teacher, personas.school_a.id)
    issue = actions.do_raise_concern(
        teacher,
        personas.pupil,
        {
            "date": today,
            "category": "physical_abuse",
            "description": "Bruise on the arm",
            "body_map": [{"view": "front", "x": 0.2, "y": 0.3, "note": "Bruise"}],
        },
    )
    member = StaffMembership.objects.get(school=personas.school_a, user=personas.teacher)
    Task.objects.create(
        school=personas.school_a, issue=issue, assignee=member, task="Check in", due_on=today
    )
    Referral.objects.create(
        school=personas.school_a,
        issue=issue,
        agency="police",
        referred_on=today - timedelta(days=3),
        response_due_on=today - timedelta(days=1),
    )
