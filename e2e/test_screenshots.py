"""`make screenshots`: the main pages at desktop (1280x800) and phone (390x844) sizes, as
PNGs in docs/screenshots/ (the README shows three). Runs only when SCREENSHOT_DIR is set,
so `make test` does not rewrite the committed pictures."""

import os
from pathlib import Path

import pytest

from e2e.conftest import login
from pupilhub.testing import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def shots(personas, world) -> list[tuple[str, str, str]]:
    """(who signs in, page, picture name)."""
    s = f"/schools/{personas.school_a.id}"
    p = f"{s}/pupils/{personas.pupil.id}"
    return [  # the head last, so the audit log shows what the others did
        ("senco@a.example.org", f"{p}/", "pupil-record"),
        ("senco@a.example.org", f"{s}/provision-map/", "provision-map"),
        ("parent@example.com", f"/my/pupils/{world['link'].id}/", "parent-pupil-page"),
        ("head@a.example.org", f"{s}/", "dashboard"),
        ("head@a.example.org", f"{s}/reports/{world['report'].id}/", "report"),
        ("head@a.example.org", f"{s}/billing/", "billing"),
        ("head@a.example.org", "/help/", "help"),
        ("head@a.example.org", f"{s}/audit/", "audit-log"),
    ]


@pytest.mark.skipif(not os.environ.get("SCREENSHOT_DIR"), reason="make screenshots sets it")
def test_screenshots_of_the_main_pages(page, live_server, personas, world):
    out = Path(os.environ["SCREENSHOT_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    written = []
    who = None
    for email, url, name in shots(personas, world):
        if email != who:
            page.context.clear_cookies()
            page.set_viewport_size({"width": 1280, "height": 800})
            login(page, live_server, email, PASSWORD)
            who = email
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, url
            page.wait_for_load_state("networkidle")
            target = out / f"{name}-{size}.png"
            page.screenshot(path=str(target), full_page=True)
            written.append(target)
    assert all(p.stat().st_size > 5000 for p in written)  # real pictures, not blanks
    assert len(written) == 2 * len(shots(personas, world))
