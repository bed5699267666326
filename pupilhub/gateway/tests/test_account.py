"""Pages with several forms never repeat an id (a label would name the wrong field)."""

import re
from collections import Counter

from pupilhub.testing import make_user


def repeated_ids(html: str) -> dict[str, int]:
    return {k: n for k, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1}


def test_the_family_account_page_gives_each_form_its_own_ids(client, db):
    client.force_login(make_user("family@example.org"))
    html = client.get("/my/account/").content.decode()
    assert repeated_ids(html) == {}
    for field in ("id_pw-current_password", "id_em-password", "id_del-password"):
        assert f'for="{field}"' in html and f'id="{field}"' in html


def test_staff_pages_with_several_forms_repeat_no_id(personas):
    base = f"/schools/{personas.school_a.id}"
    for who, url in (
        ("main_admin", f"{base}/billing/"),
        ("main_admin", f"{base}/reports/"),
        ("admin", f"{base}/gateway/"),
        ("main_admin", f"{base}/audit/"),
        ("admin", f"{base}/pupils/"),
    ):
        html = personas.web(who).get(url).content.decode()
        assert repeated_ids(html) == {}, url
