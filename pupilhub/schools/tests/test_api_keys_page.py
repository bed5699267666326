"""The API keys page: the main admin makes a key (shown once), sees when each was last used
and revokes one; nobody else reaches it."""

import pytest
from django.urls import reverse

from pupilhub.core.models import AuditEvent
from pupilhub.schools.models import ApiKey
from pupilhub.testing import Api, Personas

pytestmark = pytest.mark.django_db


def url(p: Personas) -> str:
    return reverse("schools:api_keys", args=[p.school_a.id])


@pytest.mark.parametrize(
    ("who", "status"), [("admin_b", 404), ("admin", 403), ("teacher", 403), ("senco", 403)]
)
def test_only_the_main_admin_reaches_the_page(personas: Personas, who: str, status: int) -> None:
    web = personas.web(who)
    assert web.get(url(personas)).status_code == status
    made = web.post(url(personas), {"name": "Sync", "scopes": ["pupils:read"]})
    assert made.status_code == status and not ApiKey.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(personas: Personas) -> None:
    r = personas.web(None).get(url(personas))
    assert r.status_code == 302 and "/login" in r["Location"]


def test_a_key_is_made_shown_once_used_and_revoked(personas: Personas) -> None:
    web = personas.web("main_admin")
    r = web.post(url(personas), {"name": "SIMS sync", "scopes": ["pupils:read"]})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    page = r.content.decode()
    raw = page.split('id="raw-key" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert raw.startswith("phk_")
    again = web.get(url(personas)).content.decode()
    assert "SIMS sync" in again and raw not in again and "Never" in again
    client = Api()
    client.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/schools/{personas.school_a.id}/pupils").status_code == 200
    key = ApiKey.objects.get()
    revoke = reverse("schools:revoke_api_key", args=[personas.school_a.id, key.id])
    asked = web.post(revoke)
    assert asked.status_code == 200 and "Revoke this API key?" in asked.content.decode()
    assert ApiKey.objects.get().revoked_at is None
    done = web.post(revoke, {"confirmed": "1"})
    assert done.status_code == 302
    assert client.get(f"/schools/{personas.school_a.id}/pupils").status_code == 401
    assert AuditEvent.objects.filter(action="api_key.revoke", object_id=str(key.id)).exists()


def test_a_key_without_scopes_is_refused_with_a_clear_error(personas: Personas) -> None:
    r = personas.web("main_admin").post(url(personas), {"name": "Sync"})
    assert r.status_code == 400 and not ApiKey.objects.exists()
    assert "This field is required" in r.content.decode()
