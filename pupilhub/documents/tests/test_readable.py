"""Issue 17: saved records read as words, not field names; provision cost in pounds."""

from pupilhub.documents.models import MeetingLog, Provision


def _provision_url(personas, suffix="new/"):
    return f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/provisions/{suffix}"


def test_provision_cost_is_typed_in_pounds_and_pence(personas):
    r = personas.web("senco").post(
        _provision_url(personas),
        {
            "name": "Reading catch-up",
            "area_of_need": "cognition_learning",
            "cost": "1.20",
            "start_date": "2026-09-01",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    provision = Provision.objects.get(name="Reading catch-up")
    assert provision.cost_pence == 120  # £1.20, not 120 pence typed as "120"
    edit = personas.web("senco").get(_provision_url(personas, f"{provision.id}/edit/"))
    page = edit.content.decode()
    assert "Cost (£)" in page and 'value="1.20"' in page
    bad = personas.web("senco").post(
        _provision_url(personas),
        {"name": "X", "area_of_need": "semh", "cost": "-3", "start_date": "2026-09-01"},
    )
    assert bad.status_code == 200 and not Provision.objects.filter(name="X").exists()


def test_a_saved_record_reads_as_words_not_field_names(personas):
    log = MeetingLog.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date="2026-10-05",
        meeting_type="review",
        attendees="Mum, SENCo",
        notes="Discussed reading.",
        actions="Weekly phonics",
        confidential=False,
    )
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/meeting-logs/{log.id}/"
    page = personas.web("senco").get(url).content.decode()
    assert "<dt>Actions</dt>" in page and "<dt>Meeting type</dt>" in page
    assert "5 October 2026" in page
    for raw in ("Createdat", "Updatedat", "Confidential</dt>", "+00:00", "Meetingtype", "None"):
        assert raw not in page, raw
    provision = Provision.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        name="Lego therapy",
        area_of_need="semh",
        cost_pence=123456,
        start_date="2026-09-01",
        confidential=True,
    )
    page = personas.web("senco").get(_provision_url(personas, f"{provision.id}/")).content.decode()
    assert "£1,234.56" in page and "<dt>Cost</dt>" in page
    assert "Social, emotional" in page  # the area's name, not `semh`
    assert "Confidential</strong>" in page


def test_editing_a_plan_shows_its_saved_targets(personas):
    from pupilhub.documents.models import Plan

    plan = Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="Plan",
        start_date="2026-09-01",
        targets=[{"description": "Read 20 words", "success_criteria": "", "outcome": ""}],
    )
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/plans/{plan.id}/edit/"
    page = personas.web("senco").get(url).content.decode()
    assert "Read 20 words" in page  # was lost: the form never saw the saved targets


def test_the_pupil_page_names_each_record_type_in_words(personas):
    MeetingLog.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date="2026-10-05",
        meeting_type="review",
        notes="Notes",
    )
    page = (
        personas.web("senco")
        .get(f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/")
        .content.decode()
    )
    assert '<span class="tag">Meeting log</span>' in page and "Meetinglog" not in page
