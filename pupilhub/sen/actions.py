"""What changes the SEN cycle: reviews, the provision library, group interventions and their
sessions, EHC plans, families' comments. Each action is one transaction with its audit row."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid
from pupilhub.documents.models import Plan, Provision
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, well_formed_ids

from . import dates
from .access import require_cycle
from .choices import OPEN_PLAN_STATUSES
from .models import EHCP, Intervention, LibraryItem, PlanComment, Review, Session, TargetScore

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _raise(errors: Errors) -> None:
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)


def _text(data: dict[str, Any], field: str, limit: int, errors: Errors) -> str:
    value = str(data.get(field) or "").strip()
    if len(value) > limit:
        _add(errors, field, _("At most %(n)d characters.") % {"n": limit})
    return value


def _check_scores(plan: Plan, rows: list[dict[str, Any]], errors: Errors) -> list[dict[str, Any]]:
    count, seen, clean = len(plan.targets or []), set(), []
    for row in rows:
        index, score = row.get("target"), row.get("score")
        if not isinstance(index, int) or not 0 <= index < count:
            _add(errors, "targets", _("Target %(i)s is not one of this plan's.") % {"i": index})
        elif index in seen:
            _add(errors, "targets", _("Target %(i)s is scored twice.") % {"i": index})
        elif not isinstance(score, int) or not -2 <= score <= 2:
            _add(errors, "targets", _("Scores run from -2 to +2."))
        else:
            seen.add(index)
            clean.append(
                {"target": index, "score": score, "comment": str(row.get("comment") or "")}
            )
    return clean


def _unheard(plan: Plan, from_pupil: bool) -> str:
    """Families' comments since the last review, offered as their views."""
    found = PlanComment.objects.filter(plan=plan, review__isnull=True, from_pupil=from_pupil)
    return "\n".join(c.text for c in found)


@transaction.atomic
def do_review(access: SchoolAccess, plan: Plan, data: dict[str, Any]) -> Review:
    """Score each target, hear the views, decide what next. The plan's review date moves
    on to the next review; `close` closes it. A closed plan or an archived pupil: 409."""
    require_cycle(access)
    plan = Plan.objects.select_for_update().select_related("pupil").get(pk=plan.pk)
    if plan.status == "closed":
        raise Conflict(_("This plan is closed."), code="plan_closed")
    if plan.pupil.status != "active":
        raise Conflict(_("This pupil has left: their plans are history."), code="pupil_archived")
    errors: Errors = {}
    scores = _check_scores(plan, data.get("targets") or [], errors)
    views = {f: _text(data, f, 20000, errors) for f in ("pupil_views", "parent_views")}
    nxt = data.get("next_review_date")
    if isinstance(nxt, date) and isinstance(data.get("date"), date) and nxt <= data["date"]:
        _add(errors, "next_review_date", _("Must be after the review."))
    _raise(errors)
    if data.get("parent_views") is None:
        views["parent_views"] = _unheard(plan, from_pupil=False)
    if data.get("pupil_views") is None:
        views["pupil_views"] = _unheard(plan, from_pupil=True)
    mean = sum(s["score"] for s in scores) / len(scores) if scores else None
    review = Review.objects.create(
        school=access.school,
        plan=plan,
        date=data["date"],
        outcome=data["outcome"],
        next_review_date=nxt,
        mean_score=mean,
        created_by=access.user,
        **views,
    )
    TargetScore.objects.bulk_create(TargetScore(review=review, **s) for s in scores)
    PlanComment.objects.filter(plan=plan, review__isnull=True).update(review=review)
    plan.review_date = nxt if nxt else plan.review_date
    plan.status = "closed" if data["outcome"] == "close" else "reviewed"
    plan.save(update_fields=["review_date", "status", "updated_at"])
    audit.record(access.user, "review.created", review, pupil=str(plan.pupil_id), plan=str(plan.pk))
    return review


def _money(data: dict[str, Any], errors: Errors) -> None:
    for field in ("cost_pence", "staff_hourly_rate_pence"):
        value = data.get(field)
        if value is not None and (not isinstance(value, int) or value < 0):
            _add(errors, field, _("Must not be negative."))


@transaction.atomic
def do_add_library_item(access: SchoolAccess, data: dict[str, Any]) -> LibraryItem:
    require_cycle(access)
    errors: Errors = {}
    _money(data, errors)
    if not str(data.get("name") or "").strip():
        _add(errors, "name", _("This field is required."))
    _raise(errors)
    fields = {f.name for f in LibraryItem._meta.concrete_fields} - {"id", "school", "created_at"}
    values = {k: v for k, v in data.items() if k in fields and v is not None}
    item = LibraryItem.objects.create(school=access.school, **values)
    audit.record(access.user, "provision_library.created", item)
    return item


def _group_pupils(access: SchoolAccess, ids: list[Any], errors: Errors) -> list[Pupil]:
    wanted = [str(i) for i in ids or []]
    unique = list(dict.fromkeys(wanted))
    found = {
        str(p.pk): p
        for p in Pupil.objects.visible_to(access).filter(pk__in=well_formed_ids(unique))
    }
    if not unique:
        _add(errors, "pupils", _("Choose at least one pupil."))
    elif len(found) != len(unique):
        _add(errors, "pupils", _("Choose pupils of this school."))
    return [found[i] for i in unique if i in found]


@transaction.atomic
def do_create_intervention(access: SchoolAccess, data: dict[str, Any]) -> Intervention:
    """One intervention, a provision for each pupil, the cost shared to the penny."""
    require_cycle(access)
    errors: Errors = {}
    _money(data, errors)
    pupils = _group_pupils(access, data.get("pupils") or [], errors)
    start, end = data["start_date"], data["end_date"]
    if isinstance(start, date) and isinstance(end, date) and end < start:
        _add(errors, "end_date", _("Must not be before the start date."))
    for field in ("session_minutes", "sessions_per_week"):
        if not isinstance(data.get(field), int) or data[field] <= 0:
            _add(errors, field, _("Must be a whole number above 0."))
    _raise(errors)
    planned = dates.planned_sessions(start, end, data["sessions_per_week"])
    rate = data.get("staff_hourly_rate_pence")
    total = dates.group_cost(data.get("cost_pence"), rate, planned, data["session_minutes"])
    group = Intervention.objects.create(
        school=access.school,
        name=data["name"],
        library_item=data.get("library_item"),
        area_of_need=data["area_of_need"],
        provider=data.get("provider") or "",
        start_date=start,
        end_date=end,
        session_minutes=data["session_minutes"],
        sessions_per_week=data["sessions_per_week"],
        staff_hourly_rate_pence=rate,
        cost_pence=total,
        created_by=access.user,
    )
    frequency = f"{group.sessions_per_week} x {group.session_minutes} min a week"
    Provision.objects.bulk_create(
        Provision(
            school=access.school,
            pupil=pupil,
            created_by=access.user,
            name=group.name,
            area_of_need=group.area_of_need,
            provider=group.provider,
            frequency=frequency,
            group_size=len(pupils),
            cost_pence=share,
            start_date=group.start_date,
            end_date=group.end_date,
            intervention=group,
        )
        for pupil, share in zip(pupils, dates.shares(total, len(pupils)), strict=True)
    )
    audit.record(access.user, "intervention.created", group, pupils=len(pupils), cost_pence=total)
    return group


@transaction.atomic
def do_record_session(
    access: SchoolAccess, group: Intervention, day: date, attended: list[Any], notes: str = ""
) -> Session:
    """A session delivered on `day`, and which of the group's pupils came."""
    require_cycle(access)
    members = {str(p) for p in group.provisions.values_list("pupil_id", flat=True)}
    errors: Errors = {}
    wanted = list(dict.fromkeys(str(a) for a in attended or []))
    if any(a not in members for a in wanted):
        _add(errors, "attended", _("Only pupils in this group can attend its sessions."))
    if len(notes) > 5000:
        _add(errors, "notes", _("At most 5000 characters."))
    if isinstance(day, date) and day > timezone.localdate():
        _add(errors, "date", _("This date is in the future."))
    _raise(errors)
    session = Session.objects.create(
        school=access.school, intervention=group, date=day, notes=notes, created_by=access.user
    )
    session.attended.set(Pupil.objects.visible_to(access).filter(pk__in=well_formed_ids(wanted)))
    audit.record(access.user, "intervention.session_recorded", group, attended=len(wanted))
    return session


@transaction.atomic
def do_set_ehcp(access: SchoolAccess, pupil: Pupil, data: dict[str, Any]) -> EHCP:
    require_cycle(access)
    if pupil.sen_status != "E":
        raise Invalid(
            _("Only a pupil with an EHC plan (SEN status E) has one here."),
            fields={"pupil": [_("This pupil's SEN status is not E.")]},
        )
    errors: Errors = {}
    if not str(data.get("local_authority") or "").strip():
        _add(errors, "local_authority", _("This field is required."))
    issued, last = data.get("issued_on"), data.get("last_review_on")
    if isinstance(issued, date) and isinstance(last, date) and last < issued:
        _add(errors, "last_review_on", _("Must not be before the plan was issued."))
    year = data.get("phase_transfer_year")
    if year is not None and not 2000 <= year <= 2100:
        _add(errors, "phase_transfer_year", _("A year such as 2027."))
    _raise(errors)
    fields = ("local_authority", "issued_on", "last_review_on", "next_review_meeting_on")
    values = {f: data.get(f) for f in fields} | {"phase_transfer_year": year}
    plan, created = EHCP.objects.update_or_create(
        pupil=pupil, defaults={"school": access.school, **values}
    )
    audit.record(
        access.user, "ehcp.created" if created else "ehcp.updated", plan, pupil=str(pupil.pk)
    )
    return plan


@transaction.atomic
def do_comment(user: Any, link: Any, plan: Plan, text: str) -> PlanComment:
    """A family's view on a plan (the link was checked by the caller)."""
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write your comment."), fields={"text": [_("This field is required.")]})
    if len(text) > 2000:
        raise Invalid(
            _("At most 2,000 characters."), fields={"text": [_("At most 2,000 characters.")]}
        )
    if plan.status not in OPEN_PLAN_STATUSES:
        raise Conflict(_("This plan is closed."), code="plan_closed")
    comment = PlanComment.objects.create(
        school=plan.school,
        plan=plan,
        author=user,
        from_pupil=link.licence_type.kind == "pupil",
        text=text,
    )
    audit.record(user, "plan.commented", plan, school=plan.school, pupil=str(plan.pupil_id))
    return comment
