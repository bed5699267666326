"""A new main admin: invitation -> choose a password -> set up a second factor -> sign in with a code."""

import re

import pyotp
import pytest
from django.core import mail

from pupilhub.accounts.models import TotpDevice
from pupilhub.schools.access import staff_access
from pupilhub.schools.actions import do_add_staff
from pupilhub.testing import make_school, make_user

from .conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long passphrase for the head"


def current_code(secret, after=None):
    totp = pyotp.TOTP(secret)
    code = totp.now()
    if after and code == after:  # each code works once: wait for the next step
        import time

        time.sleep(31 - time.time() % 30)
        code = totp.now()
    return code


def test_an_invited_head_sets_a_password_enrols_a_factor_and_signs_in_with_a_code(
    page, live_server
):
    school = make_school("Browser Academy")
    operator = make_user("op@example.org", is_operator=True)
    do_add_staff(
        staff_access(operator, school.id, operator_ok=True),
        {
            "email": "head@browser.example.org",
            "first_name": "Hana",
            "surname": "Head",
            "role": "main_admin",
        },
    )
    found = re.search(r"/invitations/#?([\w-]+)", str(mail.outbox[-1].body))
    assert found
    token = found.group(1)

    page.goto(f"{live_server.url}/invitations/#{token}")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Accept invitation").click()
    assert "/login/" in page.url

    login(page, live_server, "head@browser.example.org", PASSWORD)
    page.wait_for_url("**/account/security/")
    assert page.locator("figure.qr svg").count() == 1
    secret = page.locator("code.secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(current_code(secret))
    first = page.get_by_label("Code from the app").input_value()
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    assert page.locator(".recovery-codes li").count() == 10
    assert TotpDevice.objects.get(user__email="head@browser.example.org").confirmed_at

    page.get_by_role("button", name="Log out").click()
    login(page, live_server, "head@browser.example.org", PASSWORD)
    page.wait_for_url("**/login/code/**")
    page.get_by_label("Code").fill(current_code(secret, after=first))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Browser Academy").first.wait_for()
    assert f"/schools/{school.id}/" in page.url
