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
    writer.writerows(_table(data))
    response = HttpResponse(
        out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    attach(response, "provision-map.csv")
    return response


@school_view()
def pdf_export(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    data = rows(access, _filters(request))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), title=f"Provision map - {access.school.name}"
    )
    styles = getSampleStyleSheet()
    table = Table(
        [
            [
                "Year",
                "Area of need",
                "Provisions",
                "Pupils",
                "Total cost",
                "Per pupil",
                "Avg change",
            ],
            *_table(data),
        ],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#123664")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    total = pounds(sum(r["total_pence"] for r in data))
    doc.build(
        [
            Paragraph(f"Provision map: {access.school.name}", styles["Title"]),
            table,
            Paragraph(f"Total cost: {total}", styles["Normal"]),
        ]
    )
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    attach(response, "provision-map.pdf")
    return response
