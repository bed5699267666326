"""The email as a family will get it, before it is sent: built by the same code the
dispatcher uses (subject, HTML and the plain-text alternative), for a sample family."""

from typing import Any

from django.conf import settings

from pupilhub.core.errors import invalid_field
from pupilhub.schools.access import SchoolAccess

from . import sanitise
from .actions import Rendered
from .models import Delivery, Message
from .recipients import clean_subject


def as_sent(access: SchoolAccess, subject: str, html_body: str, first_name: str) -> dict[str, Any]:
    """{subject, from, html, text} of one copy, addressed to nobody (a sample)."""
    subject = clean_subject(subject)
    body = sanitise.clean(html_body)
    if not sanitise.to_text(body).strip():
        raise invalid_field("html_body", "Write the message.")
    message = Message(school=access.school, subject=subject, html_body=body)
    sample = Delivery(
        email="family@example.invalid",
        pupil_names=first_name,
        mail_id=f"<preview@{settings.MAIL_DOMAIN}>",
    )
    email = Rendered(message).email(sample, link=f"{settings.BASE_URL}/unsubscribe/…")
    html = next((content for content, kind in email.alternatives if kind == "text/html"), "")
    return {
        "subject": email.subject,
        "from": email.from_email,
        "html": html,
        "text": email.body,
    }
