import email
import socket
from email import policy
from typing import Any

import pytest
from django.utils import timezone

from pupilhub.accounts.models import User
from pupilhub.gateway.models import ExternalLink, LicenceType


class Sink:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.envelopes: list[Any] = []
        self.refuse: dict[str, str] = {}  # address -> the relay's answer to RCPT

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # it logs addresses
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    # One connection: parallel lanes mark rows on their own database connections, which
    # cannot see a test's uncommitted rows. test_mail_lanes.py commits, and runs the lanes.
    settings.MAIL_CONNECTIONS = 1
    yield sink
    controller.stop()


def family(
    school: Any, pupil: Any, email_address: str, kind: str = "parent", verified: bool = True
) -> User:
    user = User.objects.by_email(email_address) or User.objects.create_user(
        email_address,
        "a long family passphrase",
        email_verified_at=timezone.now() if verified else None,
    )
    ExternalLink.objects.create(
        user=user,
        school=school,
        pupil=pupil,
        licence_type=LicenceType.objects.get(school=school, kind=kind),
    )
    return user


@pytest.fixture(autouse=True)
def teacher_may_email(personas: Any) -> None:
    """These tests send as the teacher: an admin has allowed them to email families (plain
    staff may not otherwise; see test_pages.py)."""
    from pupilhub.schools.models import StaffMembership

    StaffMembership.objects.filter(user=personas.teacher).update(can_email_families=True)
