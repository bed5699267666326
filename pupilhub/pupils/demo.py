"""Demo MIS data: Oakfield rolled over into this academic year in July (its Y6 leavers
archived, ready to send on as a CTF); Northgate has not yet, so its Main School Admin can
preview the rollover. `docs/samples/ctf-example.xml` is a CTF to try the import with."""

from datetime import date, datetime

from django.utils import timezone

from pupilhub.demo.builder import NOTES, Demo, step
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.actions import do_create_api_key

from .models import Pupil, YearEnd
from .years import academic_year_start, rollover_year


@step
def mis_history(demo: Demo) -> None:
    school = demo.schools["oakfield"]
    july = date(academic_year_start(date.today()), 7, 17)
    pupils = Pupil.objects.filter(school=school)
    done = YearEnd.objects.create(
        school=school,
        academic_year=rollover_year(july),
        promoted=pupils.filter(status="active").count(),
        left=pupils.filter(status="archived", year_group=school.year_to).count(),
        by=demo.staff["oakfield.head"],
    )
    at = timezone.make_aware(datetime(july.year, july.month, july.day, 16, 30))
    YearEnd.objects.filter(pk=done.pk).update(at=at)  # as it was, in the summer holidays
    northgate = demo.schools["northgate"]
    access = SchoolAccess(
        user=demo.staff["northgate.head"],
        school=northgate,
        membership=northgate.memberships.get(user=demo.staff["northgate.head"]),
    )
    _key, raw = do_create_api_key(access, "MIS sync (demo)", ["pupils:read", "pupils:write"])
    NOTES.append(
        f"API key for Northgate (pupils:read, pupils:write): {raw} . Try: curl -H "
        f"'Authorization: Bearer {raw}' http://127.0.0.1:8000/api/v1/schools/{northgate.id}/"
        "pupils ; head@northgate revokes it at API keys. See docs/integrations.md."
    )
    NOTES.append(
        "MIS and CTF: head@northgate previews the year-end rollover (Pupils > Year-end "
        "rollover); office@oakfield sends last year's Y6 leavers on as a CTF (Pupils > Send "
        "a CTF, status Archived); import docs/samples/ctf-example.xml (or the SIMS-, Arbor- and "
        "Bromcom-style files and the partial CTF beside it) at Pupils > Import."
    )
