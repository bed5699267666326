from datetime import date

from django.core import mail

from pupilhub.billing.actions import do_activate
from pupilhub.gateway.models import ExternalLink, LicenceKey, TrackingField
from pupilhub.testing import Api, make_pupil

from .conftest import NEW_PASSWORD, keys_for, licence_type, parent_api, register, token_from_mail


def test_schools_have_the_built_in_types_and_operators_add_custom_ones(personas):
    path = f"/schools/{personas.school_a.id}/licence-types"
    assert personas.api(None).get(path).status_code == 401
    assert personas.api("admin_b").get(path).status_code == 404
    assert personas.api("teacher").get(path).status_code == 403
    kinds = {t["kind"] for t in personas.api("admin").get(path).json()["items"]}
    assert kinds == {"pupil", "parent"}
    assert personas.api("admin").post(path, {"name": "Social Worker"}).status_code == 403
    r = personas.api("operator").post(path, {"name": "Social Worker"})
    assert r.status_code == 201 and r.json()["kind"] == "custom" and r.json()["access"] == {}
    assert personas.api("operator").post(path, {"name": "Social Worker"}).status_code == 409


def test_access_is_validated_against_the_portlet_catalogue(personas):
    lt = licence_type(personas.school_a)
    path = f"/schools/{personas.school_a.id}/licence-types/{lt.id}/access"
    ok = personas.api("admin").put(path, {"access": {"profile": ["first_name"]}})
    assert ok.status_code == 200 and ok.json()["access"] == {"profile": ["first_name"]}
    bad = personas.api("admin").put(path, {"access": {"profile": ["shoe_size"], "diary": []}})
    assert bad.status_code == 400 and "access" in bad.json()["error"]["fields"]
    assert personas.api("teacher").put(path, {"access": {}}).status_code == 403
    assert personas.api("admin_b").put(path, {"access": {}}).status_code == 404
    catalogue = personas.api("teacher").get(f"/schools/{personas.school_a.id}/portlets").json()
    assert {p["key"] for p in catalogue["items"]} >= {"profile", "tracking", "reports", "sen"}


def test_keys_come_as_a_workbook_and_only_their_hash_is_stored(personas):
    rows = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])
    assert list(rows[0]) == [
        "pupil_id",
        "first_name",
        "surname",
        "year_group",
        "tutor_group",
        "licence_type",
        "licence_key",
        "school",
        "registration_address",
        "year",
    ]
    assert rows[0]["first_name"] == "Zebedee" and rows[0]["licence_type"] == "Parent/Guardian"
    plain = rows[0]["licence_key"].replace("-", "")
    stored = LicenceKey.objects.get()
    assert plain not in stored.key_hash and len(stored.key_hash) == 64
    path = f"/schools/{personas.school_a.id}/licence-keys"
    body = {
        "licence_type": str(licence_type(personas.school_a).id),
        "pupils": [str(personas.pupil.id)],
    }
    assert personas.api(None).post(path, body).status_code == 401
    assert personas.api("teacher").post(path, body).status_code == 403
    assert personas.api("admin_b").post(path, body).status_code == 404


def test_the_trial_allows_five_keys_a_type_until_a_subscription(personas):
    pupils = [make_pupil(personas.school_a) for _ in range(6)]
    keys_for(personas.api("admin"), personas.school_a, pupils[:5])
    keys_for(personas.api("admin"), personas.school_a, pupils[:2])  # regenerating is not more
    r = personas.api("admin").post(
        f"/schools/{personas.school_a.id}/licence-keys",
        {"licence_type": str(licence_type(personas.school_a).id), "pupils": [str(pupils[5].id)]},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "trial_limit"
    keys_for(personas.api("admin"), personas.school_a, pupils[:5], kind="pupil")  # its own five
    do_activate(personas.operator, personas.school_a, date(2026, 9, 1), date(2027, 4, 1))
    assert len(keys_for(personas.api("admin"), personas.school_a, pupils)) == 6


def test_register_verify_login_and_see_the_pupil(personas, django_capture_on_commit_callbacks):
    row = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])[0]
    with django_capture_on_commit_callbacks(execute=True):
        r = register(personas.school_a, row, email="Parent@Example.com")
    assert r.status_code == 201
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["parent@example.com"]
    before = Api().post("/auth/token", {"email": "parent@example.com", "password": NEW_PASSWORD})
    assert before.status_code == 400  # not verified yet
    token = token_from_mail(mail.outbox[0])
    assert Api().post("/gateway/verify-email", {"token": token}).status_code == 200
    assert Api().post("/gateway/verify-email", {"token": token}).status_code == 400  # single use
    api = parent_api("parent@example.com")
    items = api.get("/me/pupils").json()["items"]
    assert items == [
        {
            "link": items[0]["link"],
            "school": {"id": str(personas.school_a.id), "name": "School A"},
            "licence_type": "Parent/Guardian",
            "pupil": {"first_name": "Zebedee", "surname": "Quokka-Ä"},
            "paperless_reports": True,
        }
    ]


def test_wrong_pairs_get_one_generic_error_and_typos_a_specific_one(personas):
    row = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])[0]
    other = make_pupil(personas.school_a)
    wrong_pupil = register(personas.school_a, row, pupil_id=other.pupil_id)
    key = row["licence_key"].replace("-", "")
    from pupilhub.gateway.keys import ALPHABET, check_symbol

    body = "".join(ALPHABET[(ALPHABET.index(c) + 1) % 32] for c in key[:16])
    wrong_key = register(personas.school_a, row, licence_key=body + check_symbol(body))
    assert wrong_pupil.status_code == wrong_key.status_code == 400
    assert wrong_pupil.json() == wrong_key.json()
    assert wrong_key.json()["error"]["code"] == "invalid_licence"
    typo = register(
        personas.school_a, row, licence_key=key[:5] + ("A" if key[5] != "A" else "B") + key[6:]
    )
    assert typo.status_code == 400 and typo.json()["error"]["code"] == "licence_key_typo"
    assert not ExternalLink.objects.exists()


def test_wrong_attempts_are_limited_to_ten_an_hour(personas):
    row = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])[0]
    from pupilhub.gateway.keys import check_symbol

    body = "0" * 16
    wrong = body + check_symbol(body)
    for _ in range(10):
        assert register(personas.school_a, row, licence_key=wrong).status_code == 400
    r = register(personas.school_a, row)  # even the right key, for this pupil ID
    assert r.status_code == 429 and int(r["Retry-After"]) > 0


def test_registering_an_email_that_has_an_account_answers_the_same(
    personas, django_capture_on_commit_callbacks
):
    row = keys_for(personas.api("admin"), personas.school_a, [personas.pupil])[0]
    with django_capture_on_commit_callbacks(execute=True):
        r = register(personas.school_a, row, email="teacher@a.example.org")
    assert r.status_code == 201
    assert r.json() == {
        "status": "verification_sent",
        "message": "Check your email to finish registering.",
    }
    assert "already have" in mail.outbox[0].body
    assert not ExternalLink.objects.exists()


def test_a_denied_user_is_told_what_an_unknown_email_is_told(personas, registered_parent):
    api, link, _row = registered_parent
    users = personas.api("admin").get(f"/schools/{personas.school_a.id}/external-users").json()
    assert users["items"][0]["email"] == "parent@example.com"
    uid = users["items"][0]["id"]
    assert (
        personas.api("teacher").get(f"/schools/{personas.school_a.id}/external-users").status_code
        == 403
    )
    deny = f"/schools/{personas.school_a.id}/external-users/{uid}/deny"
    assert personas.api("admin_b").post(deny).status_code == 404
    assert personas.api("admin").post(deny).status_code == 200
    denied = Api().post("/auth/token", {"email": "parent@example.com", "password": NEW_PASSWORD})
    unknown = Api().post("/auth/token", {"email": "nobody@example.com", "password": NEW_PASSWORD})
    assert denied.status_code == unknown.status_code == 400
    assert denied.json() == unknown.json()
    assert api.get("/me/pupils").json()["items"] == []
    assert api.get(f"/me/pupils/{link}/portlets").status_code == 404
    assert (
        personas.api("admin")
        .post(f"/schools/{personas.school_a.id}/external-users/{uid}/restore")
        .status_code
        == 200
    )
    assert parent_api("parent@example.com").get("/me/pupils").json()["items"]


def test_a_link_sees_only_the_fields_its_licence_type_allows(personas, registered_parent):
    api, link, _ = registered_parent
    school = personas.school_a
    field = (
        personas.api("admin")
        .post(
            f"/schools/{school.id}/tracking-fields",
            {"name": "Y8 Autumn Maths", "year_group": 8, "subject": "Maths", "period": "Y8 Autumn"},
        )
        .json()
    )
    assert (
        personas.api("teacher")
        .put(
            f"/schools/{school.id}/pupils/{personas.pupil.id}/tracking-values", {field["key"]: "6+"}
        )
        .status_code
        == 200
    )
    lt = licence_type(school)
    personas.api("admin").put(
        f"/schools/{school.id}/licence-types/{lt.id}/access",
        {"access": {"profile": ["first_name"]}},
    )
    data = api.get(f"/me/pupils/{link}/portlets").json()
    assert data == {"profile": {"first_name": "Zebedee"}}
    personas.api("admin").put(
        f"/schools/{school.id}/licence-types/{lt.id}/access",
        {"access": {"profile": ["first_name"], "tracking": [field["key"]]}},
    )
    assert api.get(f"/me/pupils/{link}/portlets").json()["tracking"] == {field["key"]: "6+"}
    assert Api().get(f"/me/pupils/{link}/portlets").status_code == 401
    assert personas.api("teacher").get(f"/me/pupils/{link}/portlets").status_code == 404


def test_one_account_links_pupils_and_types_and_keeps_preferences(personas, registered_parent):
    api, link, _ = registered_parent
    sibling = make_pupil(personas.school_a, first_name="Yolanda")
    row = keys_for(personas.api("admin"), personas.school_a, [sibling], kind="pupil")[0]
    body = {
        "school": str(personas.school_a.id),
        "pupil_id": row["pupil_id"],
        "licence_key": row["licence_key"],
    }
    r = api.post("/me/pupils", body)
    assert r.status_code == 201 and r.json()["licence_type"] == "Pupil"
    assert api.post("/me/pupils", body).status_code == 409
    assert len(api.get("/me/pupils").json()["items"]) == 2
    r = api.put(f"/me/pupils/{link}/preferences", {"paperless_reports": False})
    assert r.status_code == 200 and r.json()["paperless_reports"] is False


def test_revoking_a_key_keeps_existing_links_but_stops_new_ones(personas, registered_parent):
    api, link, row = registered_parent
    lt = licence_type(personas.school_a)
    r = personas.api("admin").post(
        f"/schools/{personas.school_a.id}/licence-keys/revoke",
        {"pupil": str(personas.pupil.id), "licence_type": str(lt.id)},
    )
    assert r.status_code == 200 and r.json()["revoked"] == 1
    assert api.get(f"/me/pupils/{link}/portlets").status_code == 200
    again = register(personas.school_a, row, email="other@example.com")
    assert again.json()["error"]["code"] == "invalid_licence"


def test_switching_external_login_off_closes_the_gateway(personas, registered_parent):
    api, _link, row = registered_parent
    path = f"/schools/{personas.school_a.id}/gateway-settings"
    assert personas.api("teacher").put(path, {"external_login_enabled": False}).status_code == 403
    assert personas.api("admin").put(path, {"external_login_enabled": False}).status_code == 200
    assert api.get("/me/pupils").json()["items"] == []
    assert register(personas.school_a, row, email="x@example.com").status_code == 403


def test_password_reset_is_single_use_and_expires(personas, registered_parent):
    from datetime import timedelta

    from django.utils import timezone

    from pupilhub.accounts.models import OneTimeToken

    assert Api().post("/auth/password-reset", {"email": "parent@example.com"}).status_code == 202
    assert Api().post("/auth/password-reset", {"email": "nobody@example.com"}).status_code == 202
    token = token_from_mail(mail.outbox[-1])
    r = Api().post(
        "/auth/password-reset/confirm", {"token": token, "new_password": "another long passphrase"}
    )
    assert r.status_code == 200
    again = Api().post(
        "/auth/password-reset/confirm", {"token": token, "new_password": "yet another passphrase"}
    )
    assert again.status_code == 400
    parent_api("parent@example.com", "another long passphrase")
    Api().post("/auth/password-reset", {"email": "parent@example.com"})
    OneTimeToken.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    late = Api().post(
        "/auth/password-reset/confirm",
        {"token": token_from_mail(mail.outbox[-1]), "new_password": "too late passphrase"},
    )
    assert late.status_code == 400


def test_tracking_fields_values_and_csv_import(personas):
    school = personas.school_a
    path = f"/schools/{school.id}/tracking-fields"
    assert personas.api("teacher").post(path, {"name": "X"}).status_code == 403
    f = personas.api("admin").post(path, {"name": "Reading age", "kind": "number"}).json()
    bad = personas.api("teacher").put(
        f"/schools/{school.id}/pupils/{personas.pupil.id}/tracking-values",
        {f["key"]: "ten", "nope": 1},
    )
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {f["key"], "nope"}
    import io

    csv_bytes = f"pupil_id,{f['key']}\n{personas.pupil.pupil_id},9.5\nNOPE,3\n".encode()
    r = personas.api("teacher").post(
        f"/schools/{school.id}/tracking-values/import",
        {"file": io.BytesIO(csv_bytes)},
        format="multipart",
    )
    assert r.status_code == 200 and r.json()["updated"] == 0 and r.json()["errors"][0]["row"] == 3
    good = f"pupil_id,{f['key']}\n{personas.pupil.pupil_id},9.5\n".encode()
    r = personas.api("teacher").post(
        f"/schools/{school.id}/tracking-values/import",
        {"file": io.BytesIO(good)},
        format="multipart",
    )
    assert r.json() == {"updated": 1, "errors": []}
    assert TrackingField.objects.get(key=f["key"]).values.get().value == "9.5"
    assert personas.api("admin_b").get(path).status_code == 404


def test_coverage_counts_verified_parent_accounts_per_year(personas, registered_parent):
    make_pupil(personas.school_a, year_group=8)
    r = personas.api("admin").get(f"/schools/{personas.school_a.id}/gateway/coverage")
    row = next(i for i in r.json()["items"] if i["year_group"] == 8)
    assert (row["pupils"], row["with_parent"], row["percent"]) == (2, 1, 50)
    assert (
        personas.api("teacher").get(f"/schools/{personas.school_a.id}/gateway/coverage").status_code
        == 403
    )


def test_a_denial_applies_at_once_with_the_shared_cache(personas, registered_parent, shared_cache):
    api, link, _ = registered_parent
    assert api.get(f"/me/pupils/{link}/portlets").status_code == 200  # "not denied" cached
    uid = (
        personas.api("admin")
        .get(f"/schools/{personas.school_a.id}/external-users")
        .json()["items"][0]["id"]
    )
    personas.api("admin").post(f"/schools/{personas.school_a.id}/external-users/{uid}/deny")
    assert api.get(f"/me/pupils/{link}/portlets").status_code == 404
    personas.api("admin").post(f"/schools/{personas.school_a.id}/external-users/{uid}/restore")
    assert api.get(f"/me/pupils/{link}/portlets").status_code == 200


def test_the_cached_link_follows_the_switch_removal_and_access(
    personas, registered_parent, shared_cache
):
    api, link, _ = registered_parent
    school = personas.school_a
    path = f"/me/pupils/{link}/portlets"
    assert "sen" in api.get(path).json()  # the link is cached now
    lt = licence_type(school)
    personas.api("admin").put(
        f"/schools/{school.id}/licence-types/{lt.id}/access",
        {"access": {"profile": ["first_name"]}},
    )
    assert api.get(path).json() == {"profile": {"first_name": "Zebedee"}}
    personas.api("admin").put(
        f"/schools/{school.id}/gateway-settings", {"external_login_enabled": False}
    )
    assert api.get(path).status_code == 404
    personas.api("admin").put(
        f"/schools/{school.id}/gateway-settings", {"external_login_enabled": True}
    )
    assert api.get(path).status_code == 200
    assert (
        personas.api("admin").delete(f"/schools/{school.id}/external-links/{link}").status_code
        == 204
    )
    assert api.get(path).status_code == 404
