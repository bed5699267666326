"""What the SEN cycle reads: what falls due, the impact of each provision, the SEN
register, an intervention's sessions and an EHC plan's dates. Each is a few queries
whatever the school's size (aggregates in the database, then one pass in Python)."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from pupilhub.core.sql import db_uuid
from pupilhub.documents.choices import AreaOfNeed
from pupilhub.documents.models import MeetingLog
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess

from . import dates
from .access import open_plans, require_cycle
from .models import EHCP, Intervention

PARENT_MEETINGS_A_YEAR = 3  # SEND Code of Practice 6.65: at least three times a year
SEPARATOR = "\x1f"  # between provision names aggregated in the database (never in a name)


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


def due(
    access: SchoolAccess,
    within_days: int,
    today: date | None = None,
    *,
    plan_reviews: bool = True,
) -> list[dict[str, Any]]:
    """Plan reviews, EHCP deadlines and parent meetings due within `within_days` or
    overdue, for active pupils only, soonest first. `plan_reviews=False` where another
    panel lists the reviews (no query for them)."""
    require_cycle(access)
    today = today or timezone.localdate()
    horizon = today + timedelta(days=within_days)
    items: list[dict[str, Any]] = []
    if plan_reviews:
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


IMPACT_SQL = """
SELECT pr.name,
  COUNT(DISTINCT pr.pupil_id),
  SUM(pr.cost_pence),
  AVG(CASE WHEN {scored} THEN pr.entry_score END),
  AVG(CASE WHEN {scored} THEN pr.exit_score END),
  AVG(CASE WHEN {scored} THEN pr.exit_score - pr.entry_score END),
  SUM(CASE WHEN {scored} THEN 1 ELSE 0 END),
  SUM(CASE WHEN {scored} AND pr.exit_score > pr.entry_score THEN 1 ELSE 0 END),
  SUM(CASE WHEN {scored} THEN pr.cost_pence ELSE 0 END),
  SUM(CASE WHEN {scored} THEN pr.exit_score - pr.entry_score ELSE 0 END),
  AVG(rv.m)
FROM documents_provision pr
LEFT JOIN (
  SELECT pl.pupil_id AS pupil_id, AVG(r.mean_score) AS m
  FROM sen_review r JOIN documents_plan pl ON pl.id = r.plan_id
  WHERE r.school_id = %s AND r.mean_score IS NOT NULL GROUP BY pl.pupil_id
) rv ON rv.pupil_id = pr.pupil_id
WHERE {where}
GROUP BY pr.name ORDER BY pr.name
""".replace("{scored}", "pr.entry_score IS NOT NULL AND pr.exit_score IS NOT NULL")


def impact(access: SchoolAccess, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Per provision name: pupils, cost, mean entry/exit/change (measured provisions only:
    "not yet measured" is null, never 0), % improved, cost per point of progress, and the
    mean review score of its pupils. One aggregate query, as the school's access allows
    (confidential provisions only for those who may see them)."""
    require_cycle(access)
    school = db_uuid(access.school.pk)
    where, params = ["pr.school_id = %s", "pr.deleted_at IS NULL"], [school]
    if not access.can_see_confidential:
        where.append("pr.confidential = %s")
        params.append(False)
    if isinstance(filters.get("year_group"), int):
        where.append(
            "pr.pupil_id IN (SELECT id FROM pupils_pupil WHERE school_id = %s AND year_group = %s)"
        )
        params += [school, filters["year_group"]]
    if filters.get("area_of_need") in AreaOfNeed.values:
        where.append("pr.area_of_need = %s")
        params.append(filters["area_of_need"])
    if isinstance(filters.get("since"), date):
        where.append("pr.start_date >= %s")
        params.append(filters["since"])
    sql = IMPACT_SQL.replace("{where}", " AND ".join(where))  # fixed clauses; values are params
    return [_impact_row(*row) for row in _rows(sql, [school, *params])]


def _key(value: Any) -> str:
    """An id as one spelling: the raw queries read ids as text (SQLite: Django's 32 hex
    characters; PostgreSQL: the dashed form), so nothing is converted a row."""
    return value if isinstance(value, str) else str(value)


def _dashed(key: str) -> str:
    if "-" in key:
        return key
    return f"{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:]}"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rounded(value: Any, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def _impact_row(
    name: str,
    pupils: int,
    cost: int | None,
    mean_entry: float | None,
    mean_exit: float | None,
    mean_change: float | None,
    measured: int,
    improved: int,
    measured_cost: int | None,
    points: float | None,
    review_mean: float | None,
) -> dict[str, Any]:
    per_point = None
    if measured and points and points > 0:
        per_point = round((measured_cost or 0) / points)
    return {
        "name": name,
        "pupils": pupils,
        "cost_pence": int(cost or 0),
        "measured": int(measured or 0),
        "mean_entry": _rounded(mean_entry),
        "mean_exit": _rounded(mean_exit),
        "mean_change": _rounded(mean_change),
        "improved_pct": _rounded(100 * improved / measured, 1) if measured else None,
        "cost_per_point_pence": per_point,
        "mean_review_score": _rounded(review_mean),
    }


def register(access: SchoolAccess, today: date | None = None) -> list[dict[str, Any]]:
    """Every active pupil on SEN support (K) or with an EHC plan (E), in name order. Five
    aggregate queries whatever the roll; ids are matched as text, not converted a row."""
    require_cycle(access)
    today = today or timezone.localdate()
    year_start = dates.academic_year_start(today)
    first_need = (
        "sen_needs->>0" if connection.vendor == "postgresql" else "json_extract(sen_needs, '$[0]')"
    )
    pupils = _rows(
        f"SELECT CAST(id AS TEXT), first_name, surname, year_group, sen_status, {first_need} "  # noqa: S608
        "FROM pupils_pupil WHERE school_id = %s AND status = 'active' "
        "AND sen_status IN ('K', 'E') ORDER BY surname, first_name, id",
        [db_uuid(access.school.pk)],
    )
    # Every live provision and open plan of the school, grouped by pupil; the register's
    # pupils pick theirs out (cheaper than matching each row against the register first).
    school = db_uuid(access.school.pk)
    hidden = "" if access.can_see_confidential else " AND confidential = %s"
    chosen = f"school_id = %s AND deleted_at IS NULL{hidden}"
    params = [school, *([False] if hidden else [])]
    names = (
        "string_agg(name, %s)" if connection.vendor == "postgresql" else "group_concat(name, %s)"
    )
    sql = (
        f"SELECT CAST(pupil_id AS TEXT), {names}, SUM(CASE WHEN "  # noqa: S608
        "(end_date IS NULL OR end_date >= %s) AND start_date <= %s "
        "THEN cost_pence ELSE 0 END) FROM documents_provision "
        f"WHERE {chosen} GROUP BY pupil_id"
    )
    provisions: dict[str, list[str]] = {}
    cost: dict[str, int] = {}
    for pupil_id, joined, pence in _rows(sql, [SEPARATOR, year_start, today, *params]):
        provisions[_key(pupil_id)] = sorted(set(joined.split(SEPARATOR))) if joined else []
        cost[_key(pupil_id)] = int(pence or 0)
    due_sql = (
        "SELECT CAST(pupil_id AS TEXT), MIN(review_date) FROM documents_plan "  # noqa: S608
        f"WHERE {chosen} AND status IN ('draft', 'active', 'reviewed') "
        "AND review_date IS NOT NULL GROUP BY pupil_id"
    )
    reviews_due = {_key(p): d for p, d in _rows(due_sql, params)}
    last_score: dict[str, float | None] = {}
    scores_sql = (
        "SELECT CAST(pl.pupil_id AS TEXT), r.mean_score FROM sen_review r "
        "JOIN documents_plan pl ON pl.id = r.plan_id WHERE r.school_id = %s "
        "ORDER BY r.date DESC, r.created_at DESC"
    )
    for pupil_id, score in _rows(scores_sql, [db_uuid(access.school.pk)]):
        last_score.setdefault(_key(pupil_id), score)
    meetings = {
        (k.hex if connection.vendor != "postgresql" else str(k)): n
        for k, n in _meetings_this_year(access, today).items()
    }
    out = []
    for pid, first, surname, year, status, need in pupils:
        k = _key(pid)
        held = meetings.get(k, 0)
        due_on = reviews_due.get(k)
        out.append(
            {
                "pupil": {"id": _dashed(k), "first_name": first, "surname": surname},
                "year_group": year,
                "sen_status": status,
                "primary_need": need or "",
                "plan_review_due": date.fromisoformat(due_on)
                if isinstance(due_on, str)
                else due_on,
                "last_review_score": _rounded(last_score.get(k)),
                "provisions": provisions.get(k, []),
                "cost_this_year_pence": cost.get(k, 0),
                "parent_meetings_this_year": held,
                "parent_meetings_flag": held < PARENT_MEETINGS_A_YEAR,
            }
        )
    return out


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
        # The share each pupil pays; the first `cost_pence % pupils` pay a penny more.
        "cost_per_pupil_pence": group.cost_pence // len(provisions) if provisions else 0,
        "planned_sessions": planned,
        "planned_to_date": so_far,
        "delivered_sessions": len(sessions),
        "pupils": [p.pupil_id for p in provisions],
        "attendance": [
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
