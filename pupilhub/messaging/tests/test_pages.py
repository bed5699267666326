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
    assert bad.status_code == 200 and Message.objects.count() == 1


def test_the_compose_page_can_be_prefilled_for_a_report_invitation(personas):
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    url = (
        f"/schools/{personas.school_a.id}/messages/new/?subject=Y8+reports+are+ready"
        f"&year_group=8&licence_type={parent.id}"
    )
    html = personas.web("teacher").get(url).content.decode()
    assert 'value="Y8 reports are ready"' in html
    assert f'value="{parent.id}"' in html and "checked" in html


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
