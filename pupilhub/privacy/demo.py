"""Demo data protection at Northgate: a record deleted by mistake (restore it from the
pupil's page), an access log with reads and changes, a retention policy, and a leaver
whose records are due to go next month (the Main School Admin's retention page)."""

from datetime import date, timedelta

from django.utils import timezone

from pupilhub.demo.builder import NOTES, Demo, step, upn
from pupilhub.documents import actions as documents
from pupilhub.documents.access import document_for, pupil_documents
from pupilhub.documents.registry import MEETING_LOG, PLAN, SAFEGUARDING
from pupilhub.pupils.access import open_pupil
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import staff_access

from . import actions
from .models import LeaverNotice
from .retention import NOTICE_DAYS


@step
def data_protection(demo: Demo) -> None:
    school = demo.schools["northgate"]
    head = staff_access(demo.staff["northgate.head"], school.id)
    office = staff_access(demo.staff["northgate.office"], school.id)
    senco = staff_access(demo.staff["northgate.senco"], school.id)
    teacher = staff_access(demo.staff["northgate.teacher"], school.id)
    pupil = demo.pupils["northgate"][0]

    # Who has seen this pupil's records: the teacher and the SENCo open the page, the
    # SENCo reads a safeguarding list, the office deletes a meeting log by mistake.
    for who in (teacher, senco, office):
        open_pupil(who, pupil.pk)
    list(pupil_documents(senco, SAFEGUARDING, pupil))
    plan = pupil_documents(senco, PLAN, pupil).first()
    if plan is not None:
        document_for(teacher, PLAN, pupil, plan.pk)
    meeting = pupil_documents(office, MEETING_LOG, pupil).first()
    if meeting is not None:
        documents.do_delete_document(office, MEETING_LOG, meeting)
    NOTES.append(
        f"Data protection: {pupil.full_name} (Northgate) has a recently deleted meeting log "
        "and an access log; head@northgate sees a leaver due at Data protection."
    )

    actions.do_set_retention(
        head,
        {
            "deleted_documents_days": 30,
            "print_runs_days": 30,
            "sent_mail_days": 90,
            "leavers_years": 25,
        },
    )
    # A shorter period waits 30 days, visible to the head and the safeguarding leads.
    actions.do_set_retention(head, {"sent_mail_days": 60})
    NOTES.append(
        "Retention: Northgate's head shortened sent-mail addresses to 60 days; it waits 30 "
        "days (Data protection page, for the head and the safeguarding leads)."
    )

    # A leaver who turns 25 in three weeks: due to be removed after the month's notice.
    today = timezone.localdate()
    born = date(today.year - 25, today.month, min(today.day, 28)) + timedelta(days=21)
    leaver = Pupil(
        school=school,
        first_name="Daniel",
        surname="Archer",
        date_of_birth=born,
        pupil_id=upn("8014001", 12, 901),
        year_group=11,
        tutor_group="11A",
        status="archived",
    )
    leaver.save()
    LeaverNotice.objects.create(
        school=school,
        pupil=leaver,
        purge_on=today + timedelta(days=NOTICE_DAYS),
        sent_at=timezone.now(),
    )
