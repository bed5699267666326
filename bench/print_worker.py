"""One print run in a fresh process, as a Celery worker would run it, reporting its peak
memory: `python -m bench.print_worker run <print run id>` or `... floor <pages>`.

Prints one JSON line: pages, seconds and the process's peak RSS in MB (VmHWM)."""

import json
import os
import resource
import sys
import time


def peak_mb() -> float:
    """This process's peak resident memory. /proc's VmHWM starts afresh at exec, whereas
    getrusage's ru_maxrss carries the parent's peak over fork and exec (Linux), which
    would report the benchmark process's size, not the worker's."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def floor(pages: int) -> dict[str, float]:
    """Bare ReportLab: the same number of A4 pages of text and a ruled table, nothing else."""
    import tempfile

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    start = time.perf_counter()
    with tempfile.TemporaryFile() as handle:
        canvas = Canvas(handle, pagesize=A4)
        for n in range(pages):
            canvas.setFont("Helvetica-Bold", 16)
            canvas.drawString(50, 790, f"Bench report: pupil {n}")
            canvas.setFont("Helvetica", 9)
            for row in range(14):
                y = 700 - row * 22
                canvas.rect(50, y - 6, 495, 22)
                canvas.drawString(56, y, f"Subject {row % 6}")
                canvas.drawString(200, y, f"Measure {row}")
                canvas.drawString(360, y, "Good progress this term.")
            canvas.drawString(50, 30, f"Page 1 of 1 - pupil {n}")
            canvas.showPage()
        canvas.save()
    return {"pages": pages, "seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def run(run_id: str) -> dict[str, float]:
    import django

    django.setup()
    from pupilhub.reports.models import PrintRun
    from pupilhub.reports.printing import run_print

    start = time.perf_counter()
    run_print(run_id)
    took = time.perf_counter() - start
    done = PrintRun.objects.get(pk=run_id)
    assert done.status == "done", (done.status, done.error)
    return {"pages": done.pages, "seconds": took, "peak_mb": peak_mb()}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    what, arg = sys.argv[1], sys.argv[2]
    print(json.dumps(floor(int(arg)) if what == "floor" else run(arg)))
