"""The production smoke test's checks (called by .ci/smoke, in production settings).

seed:   a school, an admin, a pupil with a tracking value, a report, a parent account.
run:    /readyz ok; a page over "HTTPS" with its static files; a print run completes on
        the worker with its PDF in S3; a queued message reaches the SMTP sink.
backup-bucket DIR / restore-bucket DIR BUCKET / same-bucket A B: the bucket half of a backup.
"""

import json
import os
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

BASE = f"http://127.0.0.1:{os.environ.get('SMOKE_PORT', '18000')}"
SECURE = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy would say


def s3():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"],
        region_name=os.environ["AWS_S3_REGION_NAME"],
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a redirect is an answer to check, not to follow


OPENER = urllib.request.build_opener(_NoRedirect)


def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(BASE + path, headers=headers or {})  # noqa: S310
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for(what: str, test, seconds: float = 90):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = test()
        if found:
            return found
        time.sleep(1)
    sys.exit(f"smoke: timed out waiting for {what}")


def seed() -> None:
    from pupilhub.accounts.models import User
    from pupilhub.gateway.models import ExternalLink, LicenceType, TrackingField, TrackingValue
    from pupilhub.pupils.models import Pupil
    from pupilhub.reports.models import Report
    from pupilhub.schools.models import School, StaffMembership
    from pupilhub.schools.signals import school_created

    with transaction.atomic():
        school = School.objects.create(
            name="Smoke Academy", postcode="LS1 1AA", year_from=7, year_to=11
        )
        school_created.send(sender=School, school=school)
        head = User.objects.create_user(
            "head@smoke.example", "a long smoke test passphrase", email_verified_at=timezone.now()
        )
        StaffMembership.objects.create(user=head, school=school, role="main_admin", status="active")
        pupil = Pupil.objects.create(
            school=school,
            first_name="Ada",
            surname="Smoke",
            date_of_birth=date(2013, 1, 2),
            pupil_id="A801200000001",
            year_group=8,
            tutor_group="8S",
        )
        field = TrackingField.objects.create(
            school=school, key="maths", name="Maths", subject="Maths", year_group=8
        )
        TrackingValue.objects.create(school=school, pupil=pupil, field=field, value="6")
        parent_type = LicenceType.objects.get(school=school, kind="parent")
        Report.objects.create(
            school=school,
            name="Smoke report",
            year_groups=[8],
            fields=[{"key": "maths", "heading": "Maths"}],
        )
        parent = User.objects.create_user(
            "parent@smoke.example", "a long parent passphrase", email_verified_at=timezone.now()
        )
        ExternalLink.objects.create(
            user=parent, school=school, pupil=pupil, licence_type=parent_type
        )
    print("smoke: seeded")


def run() -> None:
    from pupilhub.gateway.models import LicenceType
    from pupilhub.messaging import actions as messaging
    from pupilhub.messaging.tasks import dispatch_mail
    from pupilhub.reports import actions as reports
    from pupilhub.reports.models import PrintRun, Report
    from pupilhub.schools.access import staff_access
    from pupilhub.schools.models import StaffMembership

    def ready() -> tuple[int, bytes] | None:
        answer = get("/readyz")
        return answer if answer[0] == 200 else None

    status, body = wait_for("/readyz", ready)
    checks = json.loads(body)["checks"]
    assert set(checks.values()) == {"ok"}, checks
    status, page = get("/login/", SECURE)
    assert status == 200, status
    css = page.decode().split('href="/static/', 1)[1].split('"', 1)[0]
    assert get("/static/" + css, SECURE)[0] == 200, css  # hashed name from the manifest
    assert get("/login/")[0] == 301  # plain HTTP is sent to HTTPS
    print("smoke: /readyz ok, pages and static files served")

    head = StaffMembership.objects.get(user__email="head@smoke.example")
    access = staff_access(head.user, head.school_id)
    report = Report.objects.get(school=head.school)
    with transaction.atomic():
        run_ = reports.do_start_print_run(access, report, paper_only=False)
    done = wait_for(
        "the print run",
        lambda: PrintRun.objects.filter(pk=run_.pk, status__in=["done", "failed"]).first(),
    )
    assert done.status == "done", done.status
    key = done.file.name
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    head_object = s3().head_object(Bucket=bucket, Key=key)
    assert head_object["ContentLength"] > 1000, head_object
    print(f"smoke: print run done on the worker, PDF in S3 ({head_object['ContentLength']} bytes)")

    parents = LicenceType.objects.get(school=head.school, kind="parent")
    with transaction.atomic():
        messaging.do_queue(
            access,
            "Smoke test message",
            "<p>Hello from the smoke test.</p>",
            {"year_groups": [8], "licence_types": [str(parents.pk)]},
        )
    dispatch_mail.delay()  # the worker sends it (beat would, within 10 minutes)
    maildir = Path(os.environ["SMOKE_MAILDIR"])

    def delivered() -> bool:
        files = [p for p in maildir.rglob("*") if p.is_file()]
        return any(b"Smoke test message" in p.read_bytes() for p in files)

    wait_for("the message in the SMTP sink", delivered)
    print("smoke: the queued message was delivered to the SMTP sink")


def backup_bucket(folder: str) -> None:
    """Every object of the bucket into `folder` (what `aws s3 sync s3://bucket DIR` does)."""
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    client = s3()
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            target = Path(folder) / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(target))
            count += 1
    print(f"smoke: {count} objects backed up")


def restore_bucket(folder: str, bucket: str) -> None:
    client = s3()
    client.create_bucket(
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": os.environ["AWS_S3_REGION_NAME"]},
    )
    for path in Path(folder).rglob("*"):
        if path.is_file():
            client.upload_file(str(path), bucket, str(path.relative_to(folder)))


def same_bucket(a: str, b: str) -> None:
    client = s3()

    def contents(bucket: str) -> dict[str, bytes]:
        found = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {
            o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in found
        }

    first, second = contents(a), contents(b)
    assert first and first == second, (sorted(first), sorted(second))
    print(f"smoke: restored bucket matches ({len(first)} objects)")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {
        "seed": seed,
        "run": run,
        "backup-bucket": backup_bucket,
        "restore-bucket": restore_bucket,
        "same-bucket": same_bucket,
    }[command](*args)
