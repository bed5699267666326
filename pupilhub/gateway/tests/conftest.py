import io
import re
from typing import Any

import pytest
from django.core import mail
from openpyxl import load_workbook

from pupilhub.gateway.models import LicenceType
from pupilhub.testing import PASSWORD, Api

NEW_PASSWORD = "a long parent passphrase"


def licence_type(school: Any, kind: str = "parent") -> LicenceType:
    return LicenceType.objects.get(school=school, kind=kind)


def keys_for(
    admin_api: Api, school: Any, pupils: list[Any], kind: str = "parent"
) -> list[dict[str, Any]]:
    r = admin_api.post(
        f"/schools/{school.id}/licence-keys",
        {"licence_type": str(licence_type(school, kind).id), "pupils": [str(p.id) for p in pupils]},
    )
    assert r.status_code == 201, r.content
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def token_from_mail(message: Any) -> str:
    match = re.search(r"/(?:verify-email|reset-password)/#?([A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)


def register(
    school: Any, row: dict[str, Any], email: str = "parent@example.com", **extra: Any
) -> Any:
    body = {
        "email": email,
        "password": NEW_PASSWORD,
        "pupil_id": row["pupil_id"],
        "licence_key": row["licence_key"],
    }
    body.update(extra)
    return Api().post(f"/gateway/{school.id}/register", body, **extra.pop("headers", {}))


@pytest.fixture
def registered_parent(personas, django_capture_on_commit_callbacks):
    """A verified parent linked to the persona pupil; returns (email, link id, row)."""
    row = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert register(personas.school_a, row).status_code == 201
    token = token_from_mail(mail.outbox[-1])
    assert Api().post("/gateway/verify-email", {"token": token}).status_code == 200
    api = parent_api("parent@example.com")
    link = api.get("/me/pupils").json()["items"][0]["link"]
    return api, link, row


def parent_api(email: str, password: str = NEW_PASSWORD) -> Api:
    r = Api().post("/auth/token", {"email": email, "password": password})
    assert r.status_code == 200, r.content
    api = Api()
    api.headers = {"HTTP_AUTHORIZATION": f"Bearer {r.json()['token']}"}
    return api


__all__ = ["PASSWORD", "keys_for", "licence_type", "parent_api", "register", "token_from_mail"]
