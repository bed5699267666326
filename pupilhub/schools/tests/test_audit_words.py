"""The audit page reads as sentences; the API and the CSV keep the codes."""

from pupilhub.schools import audit_words


def test_actions_read_as_sentences():
    assert audit_words.describe("pupil.viewed") == "Opened a pupil's record"
    assert audit_words.describe("plan.created") == "Plan added"
    assert audit_words.describe("meeting_log.updated") == "Meeting log changed"
    assert audit_words.describe("safeguarding_issue.deleted") == "Safeguarding issue deleted"
    assert audit_words.describe("something_new.happened") == "Something new happened"
    assert audit_words.describe("report.ended") == "Report ended"


def test_details_read_as_labelled_values():
    lines = audit_words.detail(
        {
            "role": "main_admin",
            "safeguarding_lead": False,
            "fields": ["targets", "review_date"],
            "amount_pence": 12500,
            "pupil": "abc",
        }
    )
    assert lines == [
        "Role: main admin",
        "Safeguarding lead: no",
        "Changed: targets, review date",
        "Amount: £125.00",
    ]


def test_the_audit_page_speaks_words_and_names_the_pupil(personas):
    personas.web("teacher").get(f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/")
    personas.api("admin").patch(
        f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}", {"tutor_group": "8Z"}
    )
    url = f"/schools/{personas.school_a.id}/audit/"
    html = personas.web("admin").get(url).content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "Opened a pupil&#x27;s record" in body and "Pupil record changed" in body
    name = f"{personas.pupil.first_name} {personas.pupil.surname}"
    assert name in body
    assert "pupil.viewed" not in body and "pupil.updated" not in body
    assert "=" not in body.replace('="', "").replace("?pupil=", "")  # no key=value output
    assert "Changed: tutor group" in body
    # the filter offers subjects in words, and keeps a code given in the address
    assert '<option value="pupil.">Pupil record</option>' in html
    kept = personas.web("admin").get(url, {"action": "pupil.viewed"}).content.decode()
    assert '<option value="pupil.viewed" selected>' in kept
    only = kept.split("<tbody>")[1].split("</tbody>")[0]
    assert "Opened a pupil&#x27;s record" in only and "Pupil record changed" not in only
    # the API keeps the codes
    events = personas.api("admin").get(f"/schools/{personas.school_a.id}/audit-events").json()
    assert "pupil.viewed" in {e["action"] for e in events["items"]}


def test_records_are_named_in_words_never_by_model_name():
    """Issue 31: the audit log showed "Staffmembership" and "Licencetype"."""
    from django.apps import apps

    from pupilhub.schools.audit_words import record

    assert record("staffmembership") == "Staff member"
    assert record("licencetype") == "Licence type"
    for model in apps.get_models():
        name = record(model._meta.model_name)
        assert name and name[0].isupper(), model
        if " " in str(model._meta.verbose_name):
            # a model name run together ("trackingvalue") is never shown as it is
            assert name.lower() != model._meta.model_name, name
