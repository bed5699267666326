"""Serving a finished print run's PDF to pages and the API alike."""

from django.http import FileResponse

from pupilhub.core.errors import Conflict

from .models import PrintRun, RunStatus


def run_file(run: PrintRun) -> FileResponse:
    if run.status != RunStatus.DONE or not run.file:
        raise Conflict("The print run is not finished yet.", code="not_ready")
    response = FileResponse(
        run.file.open("rb"),
        as_attachment=True,
        filename=f"print-run-{run.pk}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    return response
