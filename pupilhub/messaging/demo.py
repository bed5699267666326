"""Demo messages: one already sent to Year 8 parents, one waiting for the next dispatch
(`make run` prints it to the console when the 10-minute beat fires)."""

from django.utils import timezone

from pupilhub.demo.builder import Demo, step
from pupilhub.gateway.models import LicenceType
from pupilhub.schools import actions as schools
from pupilhub.schools.access import staff_access

from . import actions
from .models import Delivery


@step
def messages(demo: Demo) -> None:
    school = demo.schools["northgate"]
    head = staff_access(demo.staff["northgate.head"], school.id)
    teacher = staff_access(demo.staff["northgate.teacher"], school.id)
    # Staff email families only when an admin allows it: the head allows this teacher.
    schools.do_change_role(head, teacher.membership, can_email_families=True)  # type: ignore[arg-type]
    teacher = staff_access(demo.staff["northgate.teacher"], school.id)
    parent = LicenceType.objects.get(school=school, kind="parent")
    audience = {"year_groups": [8], "licence_types": [str(parent.id)]}
    sent = actions.do_queue(
        teacher,
        "Year 8 science trip",
        "<p>Dear parent of {{ pupil_first_name }},</p><p>The Year 8 trip to the science museum "
        "is on <strong>Friday</strong>. Please bring:</p><ul><li>a packed lunch</li>"
        "<li>a coat</li></ul><p>{{ school_name }}</p>",
        audience,
    )
    Delivery.objects.filter(message=sent).update(status="sent", sent_at=timezone.now(), attempts=1)
    actions.do_queue(
        teacher,
        "Parents' evening",
        "<p>Parents' evening for Year 8 is next Thursday. "
        '<a href="https://example.org/booking">Book a slot</a>.</p>',
        audience,
    )
