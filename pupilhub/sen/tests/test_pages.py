"""The SEN cycle's pages, each for anonymous, other-school, wrong-role and allowed callers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pupilhub.documents.models import Plan
from pupilhub.gateway.models import ExternalLink, LicenceType
from pupilhub.sen.models import Intervention, PlanComment, Review
from pupilhub.testing import make_pupil, make_user

TODAY = timezone.localdate()


@pytest.fixture
def plan(personas):
    return Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="Literacy",
        start_date=TODAY - timedelta(days=30),
        review_date=TODAY + timedelta(days=3),
        status="active",
        targets=[{"description": "Read 20 words"}, {"description": "Write a sentence"}],
    )


def _s(p, rest):
    return f"/schools/{p.school_a.id}/{rest}"


@pytest.mark.parametrize(
    "rest", ["provision-library/", "interventions/", "provision-map/impact/", "sen-register/"]
)
def test_cycle_pages_for_each_caller(personas, rest):
    url = _s(personas, rest)
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    assert personas.web("senco").get(url).status_code == 200
    if rest in ("provision-map/impact/", "sen-register/"):
        assert personas.web("teacher").get(url).status_code == 403


def test_a_senco_reviews_a_plan_on_its_page(personas, plan):
    url = _s(personas, f"pupils/{personas.pupil.id}/plans/{plan.id}/review/")
    assert personas.web("teacher").get(url).status_code == 403
    web = personas.web("senco")
    assert web.get(url).status_code == 200
    posted = web.post(
        url,
        {
            "date": str(TODAY),
            "outcome": "continue",
            "next_review_date": str(TODAY + timedelta(days=40)),
            "score_0": "2",
            "comment_0": "Reads 25",
            "score_1": "-1",
            "comment_1": "",
            "pupil_views": "Fun",
            "parent_views": "",
        },
    )
    assert posted.status_code == 302
    assert Review.objects.get().mean_score == 0.5
    page = web.get(posted["Location"]).content.decode()
    assert "Reviews" in page and "Reads 25" in page
    bad = web.post(url, {"date": str(TODAY), "outcome": "nonsense"})
    assert bad.status_code == 400 and Review.objects.count() == 1


def test_a_group_session_is_recorded_on_its_page(personas):
    pupils = [personas.pupil, make_pupil(personas.school_a)]
    web = personas.web("senco")
    made = web.post(
        _s(personas, "interventions/"),
        {
            "name": "Phonics group",
            "area_of_need": "cognition_learning",
            "start_date": str(TODAY - timedelta(days=7)),
            "end_date": str(TODAY + timedelta(days=21)),
            "session_minutes": "30",
            "sessions_per_week": "3",
            "cost_pence": "1001",
            "pupils": [str(p.id) for p in pupils],
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    group = Intervention.objects.get()
    page = made["Location"]
    recorded = web.post(
        page, {"date": str(TODAY), "attended": [str(personas.pupil.id)], "notes": "Good"}
    )
    assert recorded.status_code == 302
    html = web.get(page).content.decode()
    assert "1 pupil came" in html and "below plan" in html
    assert personas.web("admin_b").get(page).status_code == 404
    assert group.cost_pence == 1001


def test_the_ehcp_page(personas):
    url = _s(personas, f"pupils/{personas.pupil.id}/ehcp/")
    assert personas.web("teacher").get(url).status_code == 403
    personas.pupil.sen_status = "E"
    personas.pupil.save()
    web = personas.web("senco")
    r = web.post(
        url,
        {
            "local_authority": "Oxfordshire",
            "issued_on": "2026-01-10",
            "next_review_meeting_on": "2027-01-08",
        },
    )
    assert r.status_code == 302
    html = web.get(url).content.decode()
    assert "10 January 2027" in html and "11 December 2026" in html  # due by; invitations by


def test_a_family_comments_on_a_plan(personas, plan):
    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    lt.access = {"sen": ["current_targets"]}
    lt.save()
    user = make_user("mum@example.com")
    link = ExternalLink.objects.create(
        user=user, school=personas.school_a, pupil=personas.pupil, licence_type=lt
    )
    from django.test import Client

    web = Client()
    web.force_login(user)
    url = f"/my/pupils/{link.id}/plans/"
    assert "Literacy" in web.get(url).content.decode()
    assert web.post(url, {"plan": str(plan.id), "text": "Loves the reading dog"}).status_code == 302
    assert PlanComment.objects.get().text == "Loves the reading dog"
    staff = (
        personas.web("senco")
        .get(_s(personas, f"pupils/{personas.pupil.id}/plans/{plan.id}/"))
        .content.decode()
    )
    assert "Loves the reading dog" in staff
    other = make_user("stranger@example.com")
    web.force_login(other)
    assert web.get(url).status_code == 404


def test_the_provision_map_pdf_is_on_the_shared_code_and_the_csv_has_pence(personas):
    import io

    from pypdf import PdfReader

    from pupilhub.documents.models import Provision

    Provision.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        name="Lego",
        area_of_need="semh",
        start_date=TODAY,
        cost_pence=12345,
    )
    pdf = personas.web("admin").get(_s(personas, "provision-map.pdf"))
    reader = PdfReader(io.BytesIO(pdf.content))
    text = reader.pages[0].extract_text()
    assert "Provision map: School A" in text and "Page 1 of 1" in text and "£123.45" in text
    fonts = [str(f) for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert reader.metadata.title == "Provision map: School A" and fonts
    csv = personas.web("admin").get(_s(personas, "provision-map.csv")).content.decode("utf-8-sig")
    header, row = csv.splitlines()[:2]
    assert header.endswith("total_cost_pence,cost_per_pupil_pence") and row.endswith(",12345,12345")
