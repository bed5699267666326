"""Issue 17: the message editor is Quill (vendored), and what it writes survives the
server's nh3 allow list: paragraphs, bold and a bulleted list."""

import pytest
from django.utils import timezone

from e2e.conftest import login
from pupilhub.gateway.models import ExternalLink, LicenceType
from pupilhub.messaging.models import Message
from pupilhub.testing import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_editor_writes_paragraphs_bold_and_lists_that_reach_the_message(
    page, live_server, personas
):
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    mum = make_user("mum@example.com", email_verified_at=timezone.now())
    ExternalLink.objects.create(
        user=mum, school=personas.school_a, pupil=personas.pupil, licence_type=parent
    )
    login(page, live_server, "head@a.example.org", PASSWORD)
    page.goto(f"{live_server.url}/schools/{personas.school_a.id}/messages/new/")
    page.get_by_label("Subject").fill("Trip")
    editor = page.get_by_role("textbox", name="Message")
    editor.click()
    page.keyboard.type("Dear all,")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("Friday")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type(" is the day.")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("a coat")
    page.get_by_label("Y8", exact=True).check()
    page.get_by_label(parent.name).check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/messages/*/")
    body = Message.objects.get(subject="Trip").html_body
    assert body == (
        "<p>Dear all,</p><p><strong>Friday</strong> is the day.</p><ul><li>a coat</li></ul>"
    )


def test_tab_leaves_the_editor_and_reaches_send(page, live_server, personas):
    """No keyboard trap (WCAG 2.1.2): from Subject, Tab goes through the editor and on to
    the recipients and Send; Tab in the editor inserts nothing."""
    login(page, live_server, "head@a.example.org", PASSWORD)
    page.goto(f"{live_server.url}/schools/{personas.school_a.id}/messages/new/")
    editor = page.get_by_role("textbox", name="Message")
    editor.click()
    page.keyboard.type("Dear all,")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('ql-editor')") is False
    assert "\t" not in editor.inner_text()
    page.get_by_label("Subject").focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Send":
            break
    else:
        raise AssertionError("Tab never reached Send")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") != "Send"
