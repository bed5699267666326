from pupilhub.demo import builder as demo
from pupilhub.documents.models import Plan, SafeguardingIssue
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School


def test_the_demo_builds_every_school_with_records(db):
    before = School.objects.count()  # the test personas, when another test built them
    built = demo.build()
    assert School.objects.count() == before + 5
    assert all(Pupil.objects.filter(school=s).count() >= 30 for s in built.schools.values())
    assert Plan.objects.exists() and SafeguardingIssue.objects.exists()
    assert demo.already_built()
    assert ("operator@pupilhub.example", "Platform operator") in demo.logins()


def test_the_demo_shows_a_recently_deleted_record_an_access_log_and_a_leaver_due(db):
    from pupilhub.core.models import AuditEvent
    from pupilhub.documents.models import MeetingLog
    from pupilhub.privacy.models import LeaverNotice

    built = demo.build()
    northgate = built.schools["northgate"]
    pupil = built.pupils["northgate"][0]
    assert MeetingLog.objects.filter(pupil=pupil, deleted_at__isnull=False).exists()
    log = AuditEvent.objects.filter(school=northgate, pupil=str(pupil.pk))
    assert {"pupil.viewed", "safeguarding_issue.listed", "meeting_log.deleted"} <= set(
        log.values_list("action", flat=True)
    )
    assert LeaverNotice.objects.filter(school=northgate).count() == 1


def test_the_demo_has_a_rollover_behind_oakfield_and_one_ahead_of_northgate(db):
    from pathlib import Path

    from pupilhub.pupils import actions, mis
    from pupilhub.pupils.models import YearEnd
    from pupilhub.schools.access import staff_access

    built = demo.build()
    assert YearEnd.objects.filter(school=built.schools["oakfield"]).count() == 1
    head = staff_access(built.staff["northgate.head"], built.schools["northgate"].id)
    preview = actions.do_year_end(head, dry_run=True)  # not done yet: the preview works
    assert preview["promoted"] > 0 and preview["left"] > 0
    sample = (Path(__file__).parents[3] / "docs/samples/ctf-example.xml").read_bytes()
    assert mis.kind(sample) == "ctf"
    office = staff_access(built.staff["northgate.office"], built.schools["northgate"].id)
    assert actions.do_import_pupils(office, sample, dry_run=True)["created"] == 3
