"""What the SEN cycle reads: what falls due, the impact of each provision, the SEN
register, an intervention's sessions and an EHC plan's dates. Each is a few queries
whatever the school's size (aggregates in the database, then one pass in Python)."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db.models import Avg, Count, ExpressionWrapper, F, FloatField, Min, Q, Sum
from django.utils import timezone

from pupilhub.documents.access import documents
from pupilhub.documents.choices import AreaOfNeed
from pupilhub.documents.models import MeetingLog
from pupilhub.documents.registry import PROVISION
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess

from . import dates
from .access import open_plans, require_cycle
from .models import EHCP, Intervention, Review

PARENT_MEETINGS_A_YEAR = 3  # SEND Code of Practice 6.65: at least three times a year


def _pupil(p: Any) -> dict[str, Any]:
    return {"id": p.pk, "first_name": p.first_name, "surname": p.surname}


def ehcp_out(plan: EHCP, pupil: Pupil, today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    fields = ("local_authority", "issued_on", "last_review_on", "next_review_meeting_on")
    out = {f: getattr(plan, f) for f in fields}
    out["phase_transfer_year"] = plan.phase_transfer_year
    out.update(dates.ehcp_dates(plan, pupil.year_group, today))
    return out


EHCP_LABELS = {
    "review_due_by": "EHCP annual review due",
    "invitations_by": "EHCP review invitations",
    "reports_by": "EHCP review reports circulated",
    "paperwork_to_la_by": "EHCP review paperwork to the local authority",
    "phase_transfer_named_by": "Next school named in the EHCP",
}


def _term_end(today: date) -> tuple[date, int]:
    """The current term's last day and how many terms of the academic year have ended."""
    start = dates.academic_year_start(today)
    ends = [date(start.year, 12, 31), date(start.year + 1, 3, 31), date(start.year + 1, 7, 31)]
    done = sum(1 for e in ends if e < today)
    return ends[min(done, 2)], done


def due(access: SchoolAccess, within_days: int, today: date | None = None) -> list[dict[str, Any]]:
    """Plan reviews, EHCP deadlines and parent meetings due within `within_days` or
    overdue, for active pupils only, soonest first."""
    require_cycle(access)
    today = today or timezone.localdate()
    horizon = today + timedelta(days=within_days)
    items: list[dict[str, Any]] = []
    plans = open_plans(access).filter(review_date__lte=horizon).select_related("pupil")
    for plan in plans:
        items.append(_item("plan_review", plan.pupil, plan.review_date, today, plan=plan))
    ehcps = EHCP.objects.visible_to(access).filter(pupil__status="active", pupil__sen_status="E")
    for plan in ehcps.select_related("pupil"):
        for key, when in dates.ehcp_dates(plan, plan.pupil.year_group, today).items():
            if when is not None and when <= horizon:
                items.append(_item(key, plan.pupil, when, today, label=EHCP_LABELS[key]))
    items += _parent_meetings(access, today, horizon)
    items.sort(key=lambda i: (i["due_on"], i["pupil"]["surname"]))
    return items


def _item(kind: str, pupil: Any, when: date, today: date, **extra: Any) -> dict[str, Any]:
    plan = extra.pop("plan", None)
    label = extra.pop("label", None) or {"plan_review": "Plan review"}.get(kind, kind)
    return {
        "kind": kind,
        "label": label,
        "pupil": _pupil(pupil),
        "due_on": when,
        "overdue": when < today,
        "plan": plan.pk if plan is not None else None,
        "plan_title": plan.title if plan is not None else "",
    }


def _parent_meetings(access: SchoolAccess, today: date, horizon: date) -> list[dict[str, Any]]:
    """SEN pupils met with their parents fewer times than the terms so far ask (one a term)."""
    term_end, terms_done = _term_end(today)
    if term_end > horizon and not terms_done:
        return []
    held = _meetings_this_year(access, today)
    pupils = Pupil.objects.visible_to(access).filter(status="active", sen_status__in=("K", "E"))
    out = []
    for pupil in pupils:
        count = held.get(pupil.pk, 0)
        if count < terms_done:
            missed = _last_term_end(today, count)  # the end of the first term without one
            out.append(_item("parent_meeting", pupil, missed, today, label="Parent meeting"))
        elif count < terms_done + 1 and term_end <= horizon:
            out.append(_item("parent_meeting", pupil, term_end, today, label="Parent meeting"))
    return out


def _last_term_end(today: date, count: int) -> date:
    start = dates.academic_year_start(today)
    ends = [date(start.year, 12, 31), date(start.year + 1, 3, 31), date(start.year + 1, 7, 31)]
    return ends[min(count, 2)]


def _meetings_this_year(access: SchoolAccess, today: date) -> dict[Any, int]:
    rows = (
        MeetingLog.objects.visible_to(access)
        .filter(
            deleted_at__isnull=True,
            meeting_type="parent_meeting",
            date__gte=dates.academic_year_start(today),
        )
        .values("pupil_id")
        .annotate(n=Count("id"))
    )
    return {r["pupil_id"]: r["n"] for r in rows}


def impact(access: SchoolAccess, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Per provision name: pupils, cost, mean entry/exit/change (measured provisions only:
    "not yet measured" is null, never 0), % improved, cost per point of progress, and the
    pupils' mean review score. Three queries."""
    require_cycle(access)
    qs = documents(access, PROVISION).filter(pupil__school=access.school)
    if isinstance(filters.get("year_group"), int):
        qs = qs.filter(pupil__year_group=filters["year_group"])
    if filters.get("area_of_need") in AreaOfNeed.values:
        qs = qs.filter(area_of_need=filters["area_of_need"])
    if isinstance(filters.get("since"), date):
        qs = qs.filter(start_date__gte=filters["since"])
    change = ExpressionWrapper(F("exit_score") - F("entry_score"), output_field=FloatField())
    scored = Q(entry_score__isnull=False, exit_score__isnull=False)
    grouped = (
        qs.values("name")
        .annotate(
            pupils=Count("pupil", distinct=True),
            total_cost=Sum("cost_pence"),
            mean_entry=Avg("entry_score", filter=scored),
            mean_exit=Avg("exit_score", filter=scored),
            mean_change=Avg(change, filter=scored),
            measured=Count("id", filter=scored),
            improved=Count("id", filter=scored & Q(exit_score__gt=F("entry_score"))),
            measured_cost=Sum("cost_pence", filter=scored),
            points=Sum(change, filter=scored),
        )
        .order_by("name")
    )
    review_means = _review_means(access)
    pupils_by_name: dict[str, set[Any]] = defaultdict(set)
    for name, pupil_id in qs.values_list("name", "pupil_id"):
        pupils_by_name[name].add(pupil_id)
    return [_impact_row(row, pupils_by_name[row["name"]], review_means) for row in grouped]


def _review_means(access: SchoolAccess) -> dict[Any, float]:
    rows = (
        Review.objects.visible_to(access)
        .filter(mean_score__isnull=False)
        .values("plan__pupil_id")
        .annotate(mean=Avg("mean_score"))
    )
    return {r["plan__pupil_id"]: r["mean"] for r in rows}


def _rounded(value: Any, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def _impact_row(row: dict[str, Any], pupils: set[Any], means: dict[Any, float]) -> dict[str, Any]:
    measured, points = row["measured"], row["points"]
    per_point = None
    if measured and points and points > 0:
        per_point = round((row["measured_cost"] or 0) / points)
    scores = [means[p] for p in pupils if p in means]
    return {
        "name": row["name"],
        "pupils": row["pupils"],
        "cost_pence": row["total_cost"] or 0,
        "measured": measured,
        "mean_entry": _rounded(row["mean_entry"]),
        "mean_exit": _rounded(row["mean_exit"]),
        "mean_change": _rounded(row["mean_change"]),
        "improved_pct": _rounded(100 * row["improved"] / measured, 1) if measured else None,
        "cost_per_point_pence": per_point,
        "mean_review_score": _rounded(sum(scores) / len(scores)) if scores else None,
    }


def register(access: SchoolAccess, today: date | None = None) -> list[dict[str, Any]]:
    """Every active pupil on SEN support (K) or with an EHC plan (E), in name order. Five
    queries whatever the roll."""
    require_cycle(access)
    today = today or timezone.localdate()
    year_start = dates.academic_year_start(today)
    pupils = list(
        Pupil.objects.visible_to(access)
        .filter(status="active", sen_status__in=("K", "E"))
        .order_by("surname", "first_name", "id")
    )
    provisions: dict[Any, list[str]] = defaultdict(list)
    cost: dict[Any, int] = defaultdict(int)
    rows = (
        documents(access, PROVISION)
        .filter(pupil__in=pupils)
        .values_list("pupil_id", "name", "cost_pence", "start_date", "end_date")
    )
    for pupil_id, name, pence, start, end in rows:
        provisions[pupil_id].append(name)
        if (end is None or end >= year_start) and start <= today:
            cost[pupil_id] += pence
    reviews_due = dict(
        open_plans(access)
        .filter(pupil__in=pupils, review_date__isnull=False)
        .values("pupil_id")
        .annotate(due=Min("review_date"))
        .values_list("pupil_id", "due")
    )
    last_score: dict[Any, float | None] = {}
    for pupil_id, score in (
        Review.objects.visible_to(access)
        .filter(plan__pupil__in=pupils)
        .order_by("-date", "-created_at")
        .values_list("plan__pupil_id", "mean_score")
    ):
        last_score.setdefault(pupil_id, score)
    meetings = _meetings_this_year(access, today)
    return [
        {
            "pupil": _pupil(p),
            "year_group": p.year_group,
            "sen_status": p.sen_status,
            "primary_need": (p.sen_needs or [""])[0],
            "plan_review_due": reviews_due.get(p.pk),
            "last_review_score": _rounded(last_score.get(p.pk)),
            "provisions": sorted(set(provisions[p.pk])),
            "cost_this_year_pence": cost[p.pk],
            "parent_meetings_this_year": meetings.get(p.pk, 0),
            "parent_meetings_flag": meetings.get(p.pk, 0) < PARENT_MEETINGS_A_YEAR,
        }
        for p in pupils
    ]


REGISTER_COLUMNS = (
    "first_name",
    "surname",
    "year_group",
    "sen_status",
    "primary_need",
    "plan_review_due",
    "last_review_score",
    "provisions",
    "cost_this_year_pence",
    "parent_meetings_this_year",
    "parent_meetings_under_3",
)


def register_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    out: list[list[Any]] = [list(REGISTER_COLUMNS)]
    for r in rows:
        out.append(
            [
                r["pupil"]["first_name"],
                r["pupil"]["surname"],
                r["year_group"],
                r["sen_status"],
                r["primary_need"],
                r["plan_review_due"] or "",
                "" if r["last_review_score"] is None else r["last_review_score"],
                "; ".join(r["provisions"]),
                r["cost_this_year_pence"],
                r["parent_meetings_this_year"],
                "yes" if r["parent_meetings_flag"] else "no",
            ]
        )
    return out


def intervention_out(group: Intervention, today: date | None = None) -> dict[str, Any]:
    """Planned and delivered sessions, and each pupil's attendance against what was planned
    so far (a shortfall is flagged)."""
    today = today or timezone.localdate()
    planned = dates.planned_sessions(group.start_date, group.end_date, group.sessions_per_week)
    so_far = dates.planned_sessions(
        group.start_date, min(today, group.end_date), group.sessions_per_week
    )
    sessions = list(group.sessions.prefetch_related("attended"))
    came: dict[Any, int] = defaultdict(int)
    for s in sessions:
        for pupil in s.attended.all():
            came[pupil.pk] += 1
    provisions = list(group.provisions.select_related("pupil").order_by("created_at", "id"))
    return {
        "id": group.pk,
        "name": group.name,
        "area_of_need": group.area_of_need,
        "provider": group.provider,
        "start_date": group.start_date,
        "end_date": group.end_date,
        "session_minutes": group.session_minutes,
        "sessions_per_week": group.sessions_per_week,
        "staff_hourly_rate_pence": group.staff_hourly_rate_pence,
        "cost_pence": group.cost_pence,
        "cost_per_pupil_pence": provisions[0].cost_pence if provisions else 0,
        "planned_sessions": planned,
        "planned_to_date": so_far,
        "delivered_sessions": len(sessions),
        "pupils": [
            {
                "pupil": _pupil(p.pupil),
                "provision": p.pk,
                "cost_pence": p.cost_pence,
                "attended": came[p.pupil_id],
                "shortfall": came[p.pupil_id] < so_far,
            }
            for p in provisions
        ],
        "sessions": [
            {
                "id": s.pk,
                "date": s.date,
                "attended": [p.pk for p in s.attended.all()],
                "notes": s.notes,
            }
            for s in sessions
        ],
    }
