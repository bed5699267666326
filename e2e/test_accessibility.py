"""Issue 17: axe-core (vendored from npm, e2e/vendor/axe.min.js, 4.14.1, MPL-2.0) on every
page of each persona's journeys, at desktop (1280x800) and phone (390x844) sizes: the named
pages of each journey, then every page reachable from them by a link (crawled, so a new
page is checked without being listed here).
A page fails on any WCAG 2.x A/AA violation, and on "needs review" items for
aria-valid-attr-value, duplicate-id-aria and color-contrast. On a phone no page may be
wider than the screen."""

import re
from pathlib import Path

import pytest

from e2e.conftest import login
from pupilhub.testing import PASSWORD

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
            f"{s}/concerns/raise/?pupil={personas.pupil.id}",
            f"{s}/safeguarding/",
            f"{p}/chronology/",
        ],
        "teacher@a.example.org": [f"{s}/", f"{s}/concerns/raise/", f"{s}/concerns/mine/"],
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


# Links a crawl does not follow: downloads, signing out, and the JSON API.
SKIP = ("/logout", "/api/", "/static/", "/download", "format=")
CRAWL_LIMIT = 90  # pages a persona; the whole product is well under this


def links(page, origin: str) -> list[str]:
    hrefs = page.evaluate(
        "[...document.querySelectorAll('a[href]:not([download])')].map(a => a.href)"
    )
    out = []
    for href in hrefs:
        href = href.split("#", 1)[0]
        path = href.split("?", 1)[0]
        if (
            href.startswith(origin)
            and not any(s in href for s in SKIP)
            and not re.search(r"\.[a-z0-9]{2,4}$", path)  # a file: a download, not a page
        ):
            out.append(href[len(origin) :])
    return out


def crawl(page, origin: str, start: list[str], size: str) -> tuple[list[str], set[str]]:
    """Check `start`, then every page linked from a checked page (one visit a path: the
    same list sorted or paged is the same page)."""
    found: list[str] = []
    seen_paths: set[str] = set()
    queue = list(start)
    while queue and len(seen_paths) < CRAWL_LIMIT:
        url = queue.pop(0)
        path = url.split("?", 1)[0]
        if path in seen_paths:
            continue
        seen_paths.add(path)
        found += check(page, origin + url, size)
        queue += [u for u in links(page, origin) if u.split("?", 1)[0] not in seen_paths]
    return found, seen_paths


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_page_of_every_journey_passes_axe_and_fits_the_screen(
    page, live_server, personas, world, size
):
    origin = live_server.url
    found: list[str] = []
    for url in ("/login/", f"/gateway/{personas.school_a.id}/", "/reset-password/"):
        found += check(page, origin + url, size)
    visited: dict[str, set[str]] = {}
    journeys = {**_pages(personas, world), "operator@example.org": ["/operator/"]}
    for email, urls in journeys.items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 800})
        login(page, live_server, email, PASSWORD)
        more, visited[email] = crawl(page, origin, urls, size)
        found += more
    # the crawl reached beyond the named pages (a broken link walk would check nothing new)
    s = f"/schools/{personas.school_a.id}"
    head = visited["head@a.example.org"]
    assert {f"{s}/messages/", f"{s}/reports/", f"{s}/staff/"} <= head, sorted(head)
    assert len(head) > len(journeys["head@a.example.org"]) + 5, sorted(head)
    assert not found, "\n".join(found)
