from pupilhub.gateway.models import LicenceType
from pupilhub.messaging.models import Delivery, Message

from .conftest import family


def test_compose_counts_people_and_sends_from_the_web(personas):
    family(personas.school_a, personas.pupil, "mum@example.com")
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    url = f"/schools/{personas.school_a.id}/messages/new/"
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    web = personas.web("teacher")
    assert "Send to" in web.get(url).content.decode()
    form = {
        "subject": "Sports day",
        "html_body": "Bring water.\n\nSee you there.",
        "year_groups": ["8"],
        "licence_types": [str(parent.id)],
    }
    counted = web.post(f"/schools/{personas.school_a.id}/messages/new/count/", form)
    assert "<strong>1</strong> person" in counted.content.decode()
    assert "mum@" not in counted.content.decode()
    r = web.post(url, {**form, "send": "1"})
    assert r.status_code == 302
    message = Message.objects.get()
    assert message.html_body == "<p>Bring water.</p><p>See you there.</p>"
    assert Delivery.objects.count() == 1
    detail = web.get(r.url).content.decode()
    assert "Zebedee Quokka-Ä" in detail and "mum@" not in detail
    bad = web.post(url, {**form, "subject": "", "send": "1"})
    assert bad.status_code == 400 and Message.objects.count() == 1


def test_the_compose_page_is_prefilled_only_from_server_side_templates(personas):
    """Issue 17: a link pre-filling subject and body was a ready phishing kit; a link
    now names a template and a record, and the text comes from the server."""
    from pupilhub.reports.models import Report

    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    report = Report.objects.create(school=personas.school_a, name="Y8 report", year_groups=[8])
    report.licence_types.add(parent)
    base = f"/schools/{personas.school_a.id}/messages/new/"
    forged = personas.web("teacher").get(
        base, {"subject": "Your account is locked", "body": "<a href=https://evil>Unlock</a>"}
    )
    page = forged.content.decode()
    assert "Your account is locked" not in page and "evil" not in page
    html = personas.web("teacher").get(base, {"template": "report_ready", "report": report.id})
    html = html.content.decode()
    assert 'value="Y8 report: ready to read online"' in html
    assert "report report" not in html
    assert f"/gateway/{personas.school_a.id}/" in html  # the families' sign-in link
    assert f'value="{parent.id}"' in html and "checked" in html
    other = make_report_b(personas)
    assert (
        "ready to read"
        not in personas.web("teacher")
        .get(base, {"template": "report_ready", "report": other.id})
        .content.decode()
    )  # another school's report: a blank form


def make_report_b(personas):
    from pupilhub.reports.models import Report

    return Report.objects.create(school=personas.school_b, name="B report", year_groups=[8])


def test_only_admins_and_staff_an_admin_allows_may_email_families(personas):
    from pupilhub.schools.models import StaffMembership

    StaffMembership.objects.filter(user=personas.teacher).update(can_email_families=False)
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    family(personas.school_a, personas.pupil, "mum@example.com")
    body = {"subject": "Hi", "html_body": "Hello", "year_groups": [8]}
    body["licence_types"] = [str(parent.id)]
    path = f"/schools/{personas.school_a.id}/messages"
    assert personas.api("teacher").post(path, body).status_code == 403
    assert personas.web("teacher").get(f"{path}/new/").status_code == 403
    assert "Write a message" not in personas.web("teacher").get(f"{path}/").content.decode()
    assert personas.api("admin").post(path, body).status_code == 202  # admins always may
    # An admin allows the teacher (page or API), and the teacher may.
    member = StaffMembership.objects.get(user=personas.teacher, school=personas.school_a)
    r = personas.api("admin").patch(
        f"/schools/{personas.school_a.id}/staff/{member.id}", {"can_email_families": True}
    )
    assert r.status_code == 200 and r.json()["can_email_families"] is True
    assert personas.api("teacher").post(path, body).status_code == 202
    assert (
        personas.api("teacher")
        .patch(f"/schools/{personas.school_a.id}/staff/{member.id}", {"can_email_families": True})
        .status_code
        == 403
    )  # staff cannot allow themselves


def test_message_list_and_status_pages_for_each_caller(personas):
    family(personas.school_a, personas.pupil, "mum@example.com")
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    r = personas.api("teacher").post(
        f"/schools/{personas.school_a.id}/messages",
        {
            "subject": "Hi",
            "html_body": "Hello",
            "year_groups": [8],
            "licence_types": [str(parent.id)],
        },
    )
    base = f"/schools/{personas.school_a.id}/messages/"
    for url in (base, f"{base}{r.json()['id']}/"):
        assert personas.web(None).get(url).status_code == 302
        assert personas.web("admin_b").get(url).status_code == 404
        assert personas.web("teacher").get(url).status_code == 200
    # another teacher neither sees it listed nor opens it; admins see the school's
    assert "Hi" not in personas.web("senco").get(base).content.decode().split("<tbody>")[1]
    assert personas.web("senco").get(f"{base}{r.json()['id']}/").status_code == 404
    assert personas.web("admin").get(f"{base}{r.json()['id']}/").status_code == 200


def test_typed_paragraphs_survive_a_bold_word_and_the_footer_says_one_thing(personas):
    """Issue 17: with any tag present the email lost its paragraphs; the footer said both
    "reply to this email" and "do not reply"."""
    from pupilhub.messaging import sanitise
    from pupilhub.messaging.actions import Rendered
    from pupilhub.messaging.models import Message

    body = sanitise.clean("Dear all,\n\nThe trip is on <strong>Friday</strong>.\nBring lunch.")
    assert body == (
        "<p>Dear all,</p><p>The trip is on <strong>Friday</strong>.<br>Bring lunch.</p>"
    )
    school = personas.school_a
    for office, words in (("", "do not reply"), ("office@a.example.org", "Replies go")):
        school.office_email = office
        copy = Rendered(Message(school=school, subject="Trip", html_body=body))
        assert words in copy.html and words in copy.text
        assert ("do not reply" in copy.html) != ("Replies go" in copy.html)


# Issue 31, item 14: "1 person for 1 pupil" when 13 of 14 pupils had no registered family;
# no preview; no cancel before dispatch.


def _form(personas):
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    return {
        "subject": "Sports day for {{pupil_first_name}}",
        "html_body": "Bring water.",
        "year_groups": ["8"],
        "licence_types": [str(parent.id)],
    }


def test_the_count_says_how_many_pupils_have_nobody_and_names_them(personas):
    from pupilhub.testing import make_pupil

    family(personas.school_a, personas.pupil, "mum@example.com")
    for i in range(13):
        make_pupil(personas.school_a, first_name=f"Kid{i}", surname="Nofamily", year_group=8)
    counted = personas.web("admin").post(
        f"/schools/{personas.school_a.id}/messages/new/count/", _form(personas)
    )
    html = counted.content.decode()
    assert "14 pupils chosen;" in html
    assert "1 has a registered family or account;" in html
    assert "13 have none." in html
    assert "Kid0 Nofamily" in html and "Kid12 Nofamily" in html
    assert "mum@" not in html
    api = personas.api("admin").post(
        f"/schools/{personas.school_a.id}/messages/preview",
        {"year_groups": [8], "licence_types": _form(personas)["licence_types"]},
    )
    assert api.json()["chosen_count"] == 14 and api.json()["unreached_count"] == 13


def test_the_email_is_previewed_as_it_will_arrive_and_nothing_is_queued(personas):
    family(personas.school_a, personas.pupil, "mum@example.com")
    r = personas.web("admin").post(
        f"/schools/{personas.school_a.id}/messages/new/", {**_form(personas), "show": "1"}
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert "The email as it will arrive" in html
    assert "Sports day for Sam" in html  # the merge field filled for a sample family
    assert "srcdoc=" in html and "Bring water." in html
    assert "School A" in html  # sent in the school's name
    assert not Message.objects.exists()


def test_a_message_is_cancelled_before_dispatch_claims_it(personas):
    from pupilhub.messaging import actions

    family(personas.school_a, personas.pupil, "mum@example.com")
    web = personas.web("admin")
    sent = web.post(
        f"/schools/{personas.school_a.id}/messages/new/", {**_form(personas), "send": "1"}
    )
    message = Message.objects.get()
    page = web.get(sent.url).content.decode()
    assert "Cancel before it is sent (1 email waiting)" in page
    # Another school's admin, and a teacher who did not send it (and cannot see it),
    # cannot cancel it.
    api_url = f"/schools/{personas.school_a.id}/messages/{message.id}/cancel"
    assert personas.api(None).post(api_url).status_code == 401
    assert personas.api("admin_b").post(api_url).status_code == 404
    assert personas.api("teacher").post(api_url).status_code == 404
    done = web.post(sent.url, {"cancel": "1"})
    assert done.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.status == "cancelled" and delivery.email == ""
    assert actions.claim() == []  # the dispatcher finds nothing to send
    again = personas.api("admin").post(api_url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_sent"


def test_a_copy_already_claimed_is_not_cancelled(personas):
    from pupilhub.messaging import actions

    family(personas.school_a, personas.pupil, "mum@example.com")
    personas.web("admin").post(
        f"/schools/{personas.school_a.id}/messages/new/", {**_form(personas), "send": "1"}
    )
    message = Message.objects.get()
    from django.utils import timezone

    assert (
        len(actions.claim(now=timezone.now() + __import__("datetime").timedelta(minutes=11))) == 1
    )
    r = personas.api("admin").post(f"/schools/{personas.school_a.id}/messages/{message.id}/cancel")
    assert r.status_code == 409
    assert Delivery.objects.get().status == "sending"
