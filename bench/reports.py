"""Issue 6: one report PDF, and a print run of 1,000 pupils; pages a second on one core."""

import time


def run(school) -> None:
    from pupilhub.gateway.models import TrackingField, TrackingValue
    from pupilhub.pupils.models import Pupil
    from pupilhub.reports import compile as compiler
    from pupilhub.reports.models import Report

    fields = [
        TrackingField.objects.create(
            school=school,
            key=f"r{i}",
            name=f"Measure {i}",
            subject=f"Subject {i % 6}",
            year_group=8,
            kind="text" if i % 4 == 3 else "grade",
            position=i,
        )
        for i in range(12)
    ]
    pupils = list(Pupil.objects.filter(school=school).order_by("tutor_group", "surname")[:1000])
    TrackingValue.objects.bulk_create(
        [
            TrackingValue(
                school=school,
                pupil=p,
                field=f,
                value="Good progress this term." if f.kind == "text" else "6",
            )
            for p in pupils
            for f in fields
        ],
        batch_size=2000,
    )
    report = Report.objects.create(
        school=school,
        name="Bench report",
        year_groups=[7, 8, 9, 10, 11],
        fields=[{"key": f.key, "heading": ""} for f in fields],
    )
    compiler.report_pdf(report, pupils[0])  # warm fonts
    start = time.perf_counter()
    for p in pupils[:20]:
        compiler.report_pdf(report, p)
    one = (time.perf_counter() - start) / 20
    stats: dict[str, int] = {}
    start = time.perf_counter()
    data = compiler.combined_pdf(report, pupils, stats=stats)
    took = time.perf_counter() - start
    print(
        f"report PDF: {one * 1000:.1f} ms each; print run of {len(pupils):,} pupils: "
        f"{stats['pages']:,} pages in {took:.1f} s = {stats['pages'] / took:.0f} pages/s "
        f"({len(data) // 1024} KB; target >= 50 pages/s on one core)"
    )
