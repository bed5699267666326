"""Creating, changing and importing pupils. Atomic and audited."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.choices import NOT_NC

from . import counts, ctf, mis
from .access import pupils_from_ids, visible_pupils
from .models import CtfSerial, Pupil, PupilYear, YearEnd
from .signals import roll_changed, rolled_over
from .validation import REQUIRED, clean_pupil, sen_started
from .years import previous, rollover_year


def _duplicate() -> Conflict:
    return Conflict(
        "Another pupil in this school already has that pupil ID.",
        code="duplicate_pupil_id",
        fields={"pupil_id": ["Another pupil in this school already has that pupil ID."]},
    )


def do_create_pupil(access: SchoolAccess, data: dict[str, Any]) -> Pupil:
    access.require_admin("Only school admins can add pupils.")
    cleaned = sen_started(clean_pupil(access.school, data))
    try:
        with transaction.atomic():
            pupil = Pupil.objects.create(school=access.school, **cleaned)
            audit.record(access.user, "pupil.created", pupil)
    except IntegrityError:
        raise _duplicate() from None
    return pupil


def do_update_pupil(access: SchoolAccess, pupil: Pupil, data: dict[str, Any]) -> Pupil:
    access.require_admin("Only school admins can change pupils' details.")
    cleaned = sen_started(clean_pupil(access.school, data, partial=True), pupil)
    changed = audit.changed_fields(pupil, cleaned)
    for key, value in cleaned.items():
        setattr(pupil, key, value)
    try:
        with transaction.atomic():
            pupil.save()
            audit.record(access.user, "pupil.updated", pupil, fields=changed)
    except IntegrityError:
        raise _duplicate() from None
    return pupil


def do_import_pupils(
    access: SchoolAccess,
    raw: bytes,
    *,
    partial: bool = False,
    dry_run: bool = False,
    accept_other_destination: bool = False,
) -> dict[str, Any]:
    """Create or update pupils from an MIS export (CSV, .xlsx or CTF; see `mis.py`).

    All-or-nothing unless `partial`; `dry_run` changes nothing and answers what would
    happen, with how each column was read. Rows are numbered as a spreadsheet shows them;
    errors name the row and the pupil. A row whose pupil_id is on roll updates that pupil,
    and only the columns the file has. A CTF addressed to another school is refused unless
    `accept_other_destination`; a partial CTF (no BasicDetails) updates the pupils it
    matches by UPN and creates none.
    """
    access.require_admin("Only school admins can import pupils.")
    table = mis.read(raw)
    if table.destination is not None and not accept_other_destination:
        _check_destination(access.school, table.destination)
    missing = [f for f in (("pupil_id",) if table.partial else REQUIRED) if f not in table.fields]
    if missing:
        raise Invalid(
            "The header row must name the columns UPN (or pupil ID), surname, forename, "
            "date of birth and year group.",
            code="invalid_file",
            fields={"file": [f"Missing column: {name}" for name in missing]},
        )
    existing = {p.pupil_id: p for p in Pupil.objects.filter(school=access.school)}
    errors: list[dict[str, Any]] = []
    creates: list[Pupil] = []
    updates: list[Pupil] = []
    changed_fields: set[str] = set()
    unchanged = skipped = 0
    seen: dict[str, int] = {}
    unit = "line" if table.destination is not None or table.header_row == 0 else "row"
    for number, data in table.rows:
        try:
            cleaned = clean_pupil(access.school, data, partial=True)
        except Invalid as exc:
            errors.append(_row_error(number, data, exc, unit))
            continue
        pid = cleaned["pupil_id"]
        if pid in seen:
            message = f"pupil_id: {pid} already appears on row {seen[pid]}."
            errors.append(_row_error(number, data, message, unit))
            continue
        seen[pid] = number
        pupil = existing.get(pid)
        if pupil is None and table.partial:
            skipped += 1  # a partial CTF never creates a pupil
            continue
        sen_started(cleaned, pupil)
        if pupil is None:
            creates.append(Pupil(school=access.school, **cleaned))
            continue
        changes = audit.changed_fields(pupil, cleaned)
        if not changes:
            unchanged += 1
            continue
        for key in changes:
            setattr(pupil, key, cleaned[key])
        changed_fields |= set(changes)
        updates.append(pupil)
    preview = {"columns": table.columns, "header_row": table.header_row, "skipped": skipped}
    if table.destination is not None:
        preview["destination"] = table.destination
    result = {
        "created": len(creates),
        "updated": len(updates),
        "unchanged": unchanged,
        **preview,
    }
    if errors and not partial:
        return {**result, "created": 0, "updated": 0, "unchanged": 0, "errors": errors}
    if dry_run:
        return {**result, "errors": errors}
    for pupil in creates:
        pupil.refresh_match_key()
    try:
        with transaction.atomic():
            # New pupils in bulk (nothing caches a pupil not yet there); changes one by one,
            # so the caches that hold a pupil (roll counts, families' pages) hear of them.
            Pupil.objects.bulk_create(creates, batch_size=500)
            for pupil in updates:
                pupil.save(update_fields=sorted(changed_fields | {"updated_at"}))
            audit.record(
                access.user,
                "pupil.imported",
                school=access.school,
                created=len(creates),
                updated=len(updates),
                unchanged=unchanged,
                rejected_rows=len(errors),
            )
            transaction.on_commit(lambda: counts.forget(access.school.pk))
    except IntegrityError:
        raise _duplicate() from None  # a pupil added with the same ID meanwhile
    return {**result, "errors": errors}


def _row_error(
    number: int, data: dict[str, Any], problem: Invalid | str, unit: str = "row"
) -> dict[str, Any]:
    """`row 14, Lan Ng: date of birth: ...`: the row as a spreadsheet numbers it (a CTF's
    line), and the pupil as the file names them (so the office can find them in the MIS)."""
    if isinstance(problem, Invalid):
        detail = "; ".join(
            f"{field.replace('_', ' ')}: {' '.join(messages)}"
            for field, messages in problem.fields.items()
        )
    else:
        detail = problem
    name = " ".join(
        " ".join(str(data.get(key) or "").split()) for key in ("first_name", "surname")
    ).strip()
    who = name or str(data.get("pupil_id") or "").strip() or "unnamed pupil"
    return {"row": number, "pupil": who, "message": f"{unit} {number}, {who}: {detail}"}


NOT_KNOWN_DEST = ("MMM", "XXX", "MMMM", "XXXX", "")


def _check_destination(school: Any, dest: dict[str, str]) -> None:
    """A CTF names the school it was made for: another school's is refused (400
    `wrong_destination`), as is one this school cannot check (no LA or establishment
    numbers set). Unknown (`MMM`) and abroad (`XXX`) destinations are anyone's."""
    if dest["lea"] in NOT_KNOWN_DEST and dest["estab"] in NOT_KNOWN_DEST:
        return
    if school.lea and school.estab and (dest["lea"], dest["estab"]) == (school.lea, school.estab):
        return
    named = f"LA {dest['lea'] or '?'}, establishment {dest['estab'] or '?'}"
    if not (school.lea and school.estab):
        message = (
            f"This CTF was made for {named}, and this school has no LA and establishment "
            "numbers to check it against: set them in the school's details, or import it "
            "anyway with accept_other_destination."
        )
    else:
        message = (
            f"This CTF was made for {named}, not this school ({school.lea}{school.estab}). "
            "Check it is the right file; to import it anyway, tick the box (API: "
            "?accept_other_destination=true)."
        )
    raise Invalid(message, code="wrong_destination", fields={"file": [message]})


DEST_CODES = {
    # DfE: MMM/MMMM when the destination is not known, XXX/XXXX when the pupil goes abroad.
    "dest_lea": (3, ("MMM", "XXX"), "a 3-digit LA number"),
    "dest_estab": (4, ("MMMM", "XXXX"), "a 4-digit establishment number"),
}
MAX_CTF_PUPILS = 2000


def _dest_code(field: str, value: str) -> str:
    digits, unknown, label = DEST_CODES[field]
    code = (value or unknown[0]).strip().upper()
    if not ((code.isdigit() and len(code) == digits) or code in unknown):
        raise ValueError(f"Give {label}, {unknown[0]} when not known or {unknown[1]} for abroad.")
    return code


def do_export_ctf(
    access: SchoolAccess, pupil_ids: list[str], dest_lea: str = "", dest_estab: str = ""
) -> tuple[bytes, str]:
    """A Common Transfer File for these pupils (active or archived) and its DfE file name.

    Each pupil's access log records the export. Only pupils with a valid permanent UPN
    can travel in a CTF: any other is named in a 400 and nothing is written.
    """
    access.require_admin("Only school admins can export a Common Transfer File.")
    school = access.school
    if not (school.lea and school.estab):
        message = (
            "Set the school's LA and establishment numbers (in the school's details) first: "
            "every CTF names the school it comes from."
        )
        raise Invalid(message, code="no_school_numbers", fields={"school": [message]})
    errors: dict[str, list[str]] = {}
    codes = {}
    for field, value in (("dest_lea", dest_lea), ("dest_estab", dest_estab)):
        try:
            codes[field] = _dest_code(field, value)
        except ValueError as exc:
            errors[field] = [str(exc)]
    if not pupil_ids:
        errors["pupils"] = ["Choose at least one pupil."]
    elif len(pupil_ids) > MAX_CTF_PUPILS:
        errors["pupils"] = [f"A CTF can hold at most {MAX_CTF_PUPILS} pupils; send fewer."]
    if errors:
        raise Invalid("Please correct the export.", fields=errors)
    pupils = pupils_from_ids(access.school, pupil_ids)
    problems = ctf.upn_problems(pupils)
    if problems:
        raise Invalid(
            "Some pupils have no valid UPN, so they cannot go in a CTF.",
            code="invalid_upn",
            fields={"pupils": problems},
        )
    problems = ctf.sex_problems(pupils)
    if problems:
        raise Invalid(
            "Some pupils have no recorded sex, which every pupil in a CTF needs.",
            code="missing_sex",
            fields={"pupils": problems},
        )
    now = timezone.now()
    data = ctf.build(school, pupils, codes["dest_lea"], codes["dest_estab"], now=now)
    destination = f"{codes['dest_lea']}{codes['dest_estab']}"
    with transaction.atomic():
        serial = _next_serial(school, destination, timezone.localdate(now))
        audit.record_each(
            access.user,
            "pupil.ctf_exported",
            pupils,
            school=school,
            dest_lea=codes["dest_lea"],
            dest_estab=codes["dest_estab"],
        )
    name = f"{school.lea}{school.estab}_CTF_{destination}_{serial:03d}.xml"  # DfE's naming
    return data, name


def _next_serial(school: Any, destination: str, day: date) -> int:
    """1, 2, 3 ... for each file to one destination on one day (inside the caller's
    transaction: the row lock makes two exports at once take two serials)."""
    CtfSerial.objects.get_or_create(school=school, destination=destination, day=day)
    counter = CtfSerial.objects.select_for_update().get(
        school=school, destination=destination, day=day
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def do_year_end(
    access: SchoolAccess, *, dry_run: bool = False, today: date | None = None
) -> dict[str, Any]:
    """Move every active pupil up a year; those already in the school's last year (or in a
    retained group past it) become archived leavers: kept, never billed. Once a year.

    Tutor groups and sets are kept: the next MIS import brings the new ones.
    """
    access.require_main_admin("Only the Main School Admin can roll the school into a new year.")
    school = access.school
    if school.year_to is None:
        raise Invalid(
            "Set the school's year range (first and last year group) before the rollover.",
            code="no_year_range",
            fields={"year_to": ["Required for the rollover."]},
        )
    year = rollover_year(today or timezone.localdate())
    _not_done(access, year)
    # X (not following the National Curriculum) stays where it is: no year to move up to.
    active = visible_pupils(access).filter(status="active").exclude(year_group=NOT_NC)
    leaving = active.filter(year_group__gte=school.year_to)
    staying = active.filter(year_group__lt=school.year_to)
    if dry_run:
        return {"promoted": staying.count(), "left": leaving.count(), "academic_year": year}
    now = timezone.now()
    try:
        with transaction.atomic():
            done = YearEnd.objects.create(school=school, academic_year=year, by=access.user)
            _keep_year_history(school, active, previous(year), now)
            rolled_over.send(sender=Pupil, school_id=school.pk, academic_year=year, at=now)
            # Leavers first: once moved up, this year's penultimate group would look like them.
            # A leaver moves into their new year too (a Y11 leaver is an archived Y12).
            done.left = leaving.update(
                status="archived", year_group=F("year_group") + 1, updated_at=now
            )
            done.promoted = staying.update(year_group=F("year_group") + 1, updated_at=now)
            done.save(update_fields=["left", "promoted"])
            audit.record(
                access.user,
                "school.year_end",
                school=school,
                academic_year=year,
                promoted=done.promoted,
                left=done.left,
            )
            transaction.on_commit(lambda: roll_changed.send(sender=Pupil, school_id=school.pk))
    except IntegrityError:
        _not_done(access, year)  # another rollover committed first
        raise
    return {"promoted": done.promoted, "left": done.left, "academic_year": year}


def _keep_year_history(school: Any, pupils: Any, ended: str, at: Any) -> None:
    """Each pupil's year group in the academic year the rollover ends (a pupil already
    holding one for that year keeps it)."""
    known = set(
        PupilYear.objects.filter(school=school, academic_year=ended).values_list(
            "pupil_id", flat=True
        )
    )
    PupilYear.objects.bulk_create(
        [
            PupilYear(school=school, pupil_id=pk, academic_year=ended, year_group=group, until=at)
            for pk, group in pupils.values_list("pk", "year_group").iterator()
            if pk not in known
        ],
        batch_size=2000,
    )


def _not_done(access: SchoolAccess, year: str) -> None:
    done = YearEnd.objects.visible_to(access).filter(academic_year=year).first()
    if done:
        raise Conflict(
            f"This school was already rolled over into {year} on {done.at:%d/%m/%Y}.",
            code="already_done",
        )
