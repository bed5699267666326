"""Issue 17: axe-core (vendored from npm, e2e/vendor/axe.min.js, 4.14.1, MPL-2.0) on the
main pages of each persona's journeys, at desktop (1280x800) and phone (390x844) sizes.
A page fails on any WCAG 2.x A/AA violation, and on "needs review" items for
aria-valid-attr-value, duplicate-id-aria and color-contrast. On a phone no page may be
wider than the screen."""

from pathlib import Path

import pytest
from django.utils import timezone

from e2e.conftest import login
from pupilhub.documents.models import MeetingLog, Plan, Provision
from pupilhub.gateway.models import ExternalLink, LicenceType, TrackingField, TrackingValue
from pupilhub.testing import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
REVIEW = {"aria-valid-attr-value", "duplicate-id-aria", "color-contrast"}
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def problems(page) -> list[str]:
    """axe's violations, and its "needs review" items for the rules above."""
    page.evaluate(AXE + "\n;true")  # through the DevTools protocol: the page's CSP stays on
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    found = [
        f"{v['id']}: {n['target']} {n.get('failureSummary', '')[:200]}"
        for v in result["violations"]
        for n in v["nodes"]
    ]
    found += [
        f"needs review {v['id']}: {n['target']}"
        for v in result["incomplete"]
        if v["id"] in REVIEW
        for n in v["nodes"]
    ]
    return found


def check(page, url: str, size: str) -> list[str]:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url}: {response and response.status}"
    page.wait_for_load_state("networkidle")
    found = [f"{size} {url} {p}" for p in problems(page)]
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > width:
        culprits = page.evaluate(
            """(w) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 1
                    && !e.closest('.table-wrap'))
                .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' +
                    Math.round(e.getBoundingClientRect().right))""",
            width,
        )
        found.append(f"{size} {url}: page is {wide}px wide on a {width}px screen: {culprits}")
    return found


@pytest.fixture
def world(personas):
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
    return {"log": log, "link": link}


def _pages(personas, world) -> dict[str, list[str]]:
    s = f"/schools/{personas.school_a.id}"
    p = f"{s}/pupils/{personas.pupil.id}"
    return {
        "senco@a.example.org": [
            f"{s}/",
            f"{s}/pupils/",
            f"{p}/",
            f"{p}/meeting-logs/{world['log'].id}/",
            f"{p}/plans/new/",
            f"{s}/provision-map/",
        ],
        "head@a.example.org": [
            f"{s}/staff/",
            f"{s}/gateway/",
            f"{s}/gateway/users/",
            f"{s}/messages/new/",
            f"{s}/pupils/import/",
            f"{s}/pupils/ctf/",
            f"{s}/year-end/",
            f"{s}/transition/",
            f"{s}/clusters/",
            f"{s}/reports/",
            f"{s}/billing/",
            f"{s}/audit/",
            f"{s}/retention/",
            f"{s}/tracking/",
        ],
        "parent@example.com": ["/my/", f"/my/pupils/{world['link'].id}/", "/my/account/"],
    }


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_main_page_passes_axe_and_fits_the_screen(page, live_server, personas, world, size):
    found: list[str] = []
    for url in ("/login/", f"/gateway/{personas.school_a.id}/"):
        found += check(page, live_server.url + url, size)
    for email, urls in _pages(personas, world).items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 800})
        login(page, live_server, email, PASSWORD)
        for url in urls:
            found += check(page, live_server.url + url, size)
    assert not found, "\n".join(found)
