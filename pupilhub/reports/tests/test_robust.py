"""Reports at the edges: damaged logos, hostile names, and a print run's memory."""

import io
import tracemalloc
from email.message import Message

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader

from pupilhub.reports import compile, printing
from pupilhub.reports.tests.test_reports import setup  # noqa: F401  (fixture)
from pupilhub.testing import make_pupil


def png(width: int = 800, height: int = 400, noise: bool = True) -> bytes:
    image = Image.effect_noise((width, height), 60).convert("RGB") if noise else None
    image = image or Image.new("RGB", (width, height), "navy")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def upload_logo(api, school, data: bytes, name: str = "logo.png"):
    return api.post(
        f"/schools/{school.id}/logo", {"file": ContentFile(data, name=name)}, format="multipart"
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "invalid_image"),  # starts like a PNG, is not
        (png()[:300], "invalid_image"),  # truncated
    ],
)
def test_a_logo_that_only_looks_like_an_image_is_400(personas, data, code):
    r = upload_logo(personas.api("admin"), personas.school_a, data)
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == code
    personas.school_a.refresh_from_db()
    assert not personas.school_a.logo


def test_a_decompression_bomb_is_refused_before_decoding(personas):
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # 400 M pixels, tiny file
    r = upload_logo(personas.api("admin"), personas.school_a, out.getvalue())
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "image_too_large"


def test_a_good_logo_is_stored_small_and_drawn(personas, setup):  # noqa: F811
    report, _ = setup
    r = upload_logo(personas.api("admin"), personas.school_a, png(3000, 1500))
    assert r.status_code == 200, r.content
    personas.school_a.refresh_from_db()
    stored = Image.open(personas.school_a.logo.open("rb"))
    assert stored.format == "PNG" and max(stored.size) == 600
    url = f"/schools/{personas.school_a.id}/reports/{report.id}/pupils/{personas.pupil.id}/pdf"
    response = personas.api("teacher").get(url)
    assert response.status_code == 200
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert page["/Resources"]["/XObject"]  # the logo is on the page


def test_a_damaged_stored_logo_leaves_reports_working(personas, setup):  # noqa: F811
    """A file damaged in storage (or stored before checks existed) is left out, not fatal."""
    report, _ = setup
    school = personas.school_a
    school.logo.save("bad.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\xff" * 500))
    url = f"/schools/{school.id}/reports/{report.id}/pupils/{personas.pupil.id}/pdf"
    response = personas.api("teacher").get(url)
    assert response.status_code == 200
    assert "Y8 Progress" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    school.refresh_from_db()
    pages = compile.combined_pdf(report, [personas.pupil])
    assert PdfReader(io.BytesIO(pages)).pages


def test_a_report_name_cannot_inject_content_disposition_parameters(personas, setup):  # noqa: F811
    report, _ = setup
    report.name = "x\"; filename*=UTF-8''evil.html; x=\""
    report.save()
    url = f"/schools/{personas.school_a.id}/reports/{report.id}/pupils/{personas.pupil.id}/pdf"
    response = personas.api("teacher").get(url)
    assert response.status_code == 200
    message = Message()
    message["Content-Disposition"] = response["Content-Disposition"]
    params = dict(message.get_params(header="Content-Disposition"))
    assert set(params) == {"attachment", "filename"}  # no parameter was added
    assert message.get_filename() == f"{report.name}-{personas.pupil.pupil_id}.pdf"


def _measured(report, pupils) -> tuple[float, bytes, dict[str, int]]:
    """Peak MiB of Python allocations while writing the run, the PDF, and its stats."""
    out, stats = io.BytesIO(), {}
    tracemalloc.start()
    try:
        compile.write_print_run(report, pupils, out, stats=stats)
        return tracemalloc.get_traced_memory()[1] / 2**20, out.getvalue(), stats
    finally:
        tracemalloc.stop()


def test_a_print_run_with_a_logo_has_flat_memory(personas, setup):  # noqa: F811
    """300 pupils with a logo: the peak of Python allocations stays bounded and barely
    grows with the run's size (it was ~2.6 MB a pupil, with every page state kept)."""
    report, _ = setup
    school = personas.school_a
    school.logo.save("logo.png", ContentFile(png(600, 300)))
    for i in range(299):
        make_pupil(school, surname=f"Run{i:03d}", year_group=8, tutor_group="8B")
    pupils = printing.print_pupils(report, paper_only=False)
    assert len(pupils) == 300
    small, _, _ = _measured(report, pupils[:30])
    large, data, stats = _measured(report, pupils)
    assert large < 40, f"peak {large:.0f} MiB for 300 pupils"
    assert large < small * 3, f"30 pupils {small:.1f} MiB, 300 pupils {large:.1f} MiB"
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == stats["pages"] >= 301
    assert "Page 1 of 1" in reader.pages[-1].extract_text()
    images = {
        obj.indirect_reference.idnum
        for page in reader.pages[1:20]
        for form in page["/Resources"]["/XObject"].values()
        for obj in [form.get_object()]
        if "/Resources" in obj and "/XObject" in obj["/Resources"]
    }
    assert len(images) == 1  # one logo form, shared by every page
