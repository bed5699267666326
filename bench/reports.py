"""Reports: a print run with the school's logo, in a fresh worker process each run (peak
RSS from getrusage), against bare ReportLab pages; one report PDF in-process."""

import io
import json
import os
import subprocess
import sys

from . import stats


def logo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((1200, 600), 80).convert("RGB").save(out, format="PNG")
    return out.getvalue()


FIELDS = 40  # a real report: 40 fields (a subject's grade and comment, effort, targets)


def prepare(school, year_groups: list[int]):
    from pupilhub.gateway.models import TrackingField, TrackingValue
    from pupilhub.pupils.models import Pupil
    from pupilhub.reports.models import Report

    fields = TrackingField.objects.bulk_create(
        [
            TrackingField(
                school=school,
                key=f"r{i}",
                name=f"Measure {i}",
                subject=f"Subject {i % 6}",
                year_group=year_groups[0],
                kind="text" if i % 4 == 3 else "grade",
                position=i,
            )
            for i in range(FIELDS)
        ]
    )
    pupils = list(Pupil.objects.filter(school=school, year_group__in=year_groups, status="active"))
    TrackingValue.objects.bulk_create(
        [
            TrackingValue(
                school=school,
                pupil=p,
                field=f,
                value=(
                    "Good progress this term; keep reading at home and ask for help early."
                    if f.kind == "text"
                    else "6"
                ),
            )
            for p in pupils
            for f in fields
        ],
        batch_size=5000,
    )
    school.logo.save(f"{school.pk}-logo.png", _logo_file())  # stored as an upload would be
    return Report.objects.create(
        school=school,
        name="Bench report",
        year_groups=year_groups,
        fields=[{"key": f.key, "heading": ""} for f in fields],
    ), len(pupils)


def _logo_file():
    from django.core.files.base import ContentFile

    from pupilhub.core.images import normalise_logo

    return ContentFile(normalise_logo(logo()))


def worker(args: list[str], database_url: str) -> dict[str, float]:
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings")
    out = subprocess.run(
        [sys.executable, "-m", "bench.print_worker", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_runs(school, year_groups: list[int], database_url: str) -> None:
    from pupilhub.reports.models import PrintRun

    report, n = prepare(school, year_groups)
    rates, peaks, floors = [], [], []
    for _ in range(stats.RUNS):
        run = PrintRun.objects.create(school=school, report=report, total=n)
        result = worker(["run", str(run.pk)], database_url)
        rates.append(result["pages"] / result["seconds"])
        peaks.append(result["peak_mb"])
        bare = worker(["floor", str(int(result["pages"]))], database_url)
        floors.append(bare["pages"] / bare["seconds"])
    row = stats.add(
        stats.Row(
            f"print run, {n:,} pupils with a logo (pages/s)",
            "pages/s",
            rates,
            "bare ReportLab pages",
            floors,
            target=">= 100 pages/s",
            higher_is_better=True,
        )
    )
    row.ok = row.median >= 100
    limit = 300 if n <= 1500 else 350
    peak = stats.add(
        stats.Row(f"print run, {n:,} pupils: worker peak RSS", "MB", peaks, target=f"< {limit} MB")
    )
    peak.ok = max(peaks) < limit


def one_report(school) -> None:
    from pupilhub.pupils.models import Pupil
    from pupilhub.reports import compile as compiler
    from pupilhub.reports.models import Report

    report = Report.objects.filter(school=school).first()
    assert report is not None, "the bench world has a report a school"
    pupils = list(Pupil.objects.filter(school=school, year_group__in=report.year_groups)[:21])
    compiler.report_pdf(report, pupils[0])  # fonts
    runs = []
    for p in pupils[1:]:
        runs += stats.timed(lambda p=p: compiler.report_pdf(report, p), runs=1, warm=False)  # type: ignore[misc]
    row = stats.add(stats.Row("one report PDF, compiled on request", "ms", runs, target="< 100 ms"))
    row.ok = row.median < 0.1
