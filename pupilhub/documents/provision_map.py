"""The provision map: provisions across the school by year group and area of need.

Aggregated in the database (one GROUP BY query), never row by row in Python.
"""

import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, ExpressionWrapper, F, FloatField, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pupilhub.core.downloads import attach
from pupilhub.core.errors import Forbidden
from pupilhub.core.sheets import SafeWriter
from pupilhub.core.templatetags.pupilhub import pounds
from pupilhub.pupils import filters as pupil_filters
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_view
from pupilhub.schools.choices import year_choices

from .access import documents
from .choices import AreaOfNeed
from .registry import PROVISION


def _filters(request: HttpRequest) -> dict[str, str]:
    found = {k: request.GET.get(k, "").strip() for k in ("year_group", "area_of_need")}
    return {**found, **pupil_filters.read(request.GET)}


def rows(access: SchoolAccess, filters: dict[str, str]) -> list[dict[str, Any]]:
    """One row per (year group, area of need) with counts, costs and score change."""
    if not access.can_see_confidential:
        raise Forbidden("The provision map is for admins and SENCos.")
    # Naming the pupils' school too lets the planner read both tables by their school
    # index (200 schools in one database: 3 ms, not a parallel sequential scan).
    qs = documents(access, PROVISION).filter(pupil__school=access.school)
    if filters.get("year_group", "").isdigit():
        qs = qs.filter(pupil__year_group=int(filters["year_group"]))
    if filters.get("area_of_need") in AreaOfNeed.values:
        qs = qs.filter(area_of_need=filters["area_of_need"])
    qs = pupil_filters.apply(qs, filters, prefix="pupil__")
    change = ExpressionWrapper(F("exit_score") - F("entry_score"), output_field=FloatField())
    scored = Q(entry_score__isnull=False, exit_score__isnull=False)
    grouped = (
        qs.values("pupil__year_group", "area_of_need")
        .annotate(
            provisions=Count("id"),
            pupils=Count("pupil", distinct=True),
            total_pence=Sum("cost_pence"),
            avg_change=Avg(change, filter=scored),
        )
        .order_by("pupil__year_group", "area_of_need")
    )
    labels = dict(AreaOfNeed.choices)
    result = []
    for row in grouped:
        result.append(
            {
                "year_group": row["pupil__year_group"],
                "year_label": access.school.year_label(row["pupil__year_group"]),
                "area_of_need": row["area_of_need"],
                "area_label": labels.get(row["area_of_need"], row["area_of_need"]),
                "provisions": row["provisions"],
                "pupils": row["pupils"],
                "total_pence": row["total_pence"] or 0,
                "per_pupil_pence": per_pupil(row["total_pence"] or 0, row["pupils"]),
                "avg_change": None if row["avg_change"] is None else round(row["avg_change"], 2),
            }
        )
    return result


def per_pupil(total: int, pupils: int) -> int:
    if not pupils:
        return 0
    return int((Decimal(total) / pupils).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def by_area(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, int] = {}
    for row in data:
        totals[row["area_label"]] = totals.get(row["area_label"], 0) + row["total_pence"]
    return [{"area": k, "total_pence": v} for k, v in totals.items()]


@school_view()
def page(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    filters = _filters(request)
    data = rows(access, filters)
    context = {
        "rows": data,
        "filters": filters,
        "areas": AreaOfNeed.choices,
        "years": year_choices(access.school.year_scheme),
        "pupil_choices": pupil_filters.choices(),
        "chart": by_area(data),
        "total_pence": sum(r["total_pence"] for r in data),
        "total_provisions": sum(r["provisions"] for r in data),
    }
    return render(request, "documents/provision_map.html", context)


HEADER = [
    "year_group",
    "area_of_need",
    "provisions",
    "pupils",
    "total_cost",
    "cost_per_pupil",
    "average_score_change",
    "total_cost_pence",  # numbers in any locale: a spreadsheet sums them as they are
    "cost_per_pupil_pence",
]


def _table(data: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            r["year_label"],
            r["area_label"],
            r["provisions"],
            r["pupils"],
            pounds(r["total_pence"]),
            pounds(r["per_pupil_pence"]),
            "" if r["avg_change"] is None else r["avg_change"],
        ]
        for r in data
    ]


@school_view()
def csv_export(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    data = rows(access, _filters(request))
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(HEADER)
    writer.writerows(
        [*row, r["total_pence"], r["per_pupil_pence"]]
        for row, r in zip(_table(data), data, strict=True)
    )
    response = HttpResponse(
        out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    attach(response, "provision-map.csv")
    return response


@school_view()
def pdf_export(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """The same table on the shared PDF code: embedded fonts, a title and the date, a
    running footer, money right-aligned."""
    from django.utils import timezone
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    from pupilhub.core import pdf

    data = rows(access, _filters(request))
    money = ParagraphStyle("money", parent=pdf.STYLES["cell"], alignment=TA_RIGHT)

    def cell(value: Any, right: bool = False) -> Any:
        paragraph = pdf.text(value, "cell")
        if right:
            paragraph.style = money
        return paragraph

    head = ["Year", "Area of need", "Provisions", "Pupils", "Total cost", "Per pupil", "Avg change"]
    body = [[cell(v, right=i >= 2) for i, v in enumerate(row)] for row in _table(data)]
    table = pdf.table(
        [[pdf.text(h, "cell_bold") for h in head], *body],
        widths=[50, 130, 55, 45, 70, 65, 60],
        header=True,
        grid=True,
    )
    total = pounds(sum(r["total_pence"] for r in data))
    story = [
        pdf.Heading(f"Provision map: {access.school.name}"),
        pdf.text(f"{timezone.localdate():%-d %B %Y}. Total cost {total}.", "small"),
        table,
    ]
    return pdf.response(
        pdf.render(
            story,
            title=f"Provision map: {access.school.name}",
            author=access.school.name,
            running_name=access.school.name,
        ),
        "provision-map.pdf",
    )
