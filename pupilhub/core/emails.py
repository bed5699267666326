"""The one path every email takes.

Each message is built from three templates, `emails/<name>.subject.txt`,
`emails/<name>.txt` and `emails/<name>.html`, and goes out as
multipart/alternative. Transactional mail (verification, reset, invitations,
notifications) is sent at once; mass mail is queued by the messaging app.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string


def build(
    name: str,
    to: str,
    context: dict[str, Any],
    *,
    reply_to: str | None = None,
    from_name: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """Render one message for one recipient (never a shared To/Cc/Bcc)."""
    ctx = {"base_url": settings.BASE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}.subject.txt", ctx).split())
    text = render_to_string(f"emails/{name}.txt", ctx)
    html = render_to_string(f"emails/{name}.html", ctx)
    return assemble(
        subject, text, html, to, reply_to=reply_to, from_name=from_name, headers=headers
    )


def from_address(from_name: str | None = None) -> str:
    """The configured no-reply address, shown under `from_name` (e.g. the school)."""
    from_email = settings.DEFAULT_FROM_EMAIL
    if not from_name:
        return from_email
    address = from_email.rsplit("<", 1)[-1].rstrip(">") if "<" in from_email else from_email
    safe_name = " ".join(from_name.replace('"', "").split())
    return f'"{safe_name}" <{address}>'


def assemble(
    subject: str,
    text: str,
    html: str,
    to: str,
    *,
    reply_to: str | None = None,
    from_name: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """multipart/alternative: plain text first, then the simple HTML. One recipient.

    Every message says it was sent by a machine (`Auto-Submitted`, so out-of-office
    replies stay quiet) and has a Message-ID on the sender's own domain."""
    fixed = {
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "Message-ID": make_msgid(domain=settings.MAIL_DOMAIN),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # never a line break in a header
        body=text,
        from_email=from_address(from_name),
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers={**fixed, **(headers or {})},
    )
    message.attach_alternative(html, "text/html")
    return message


def send_now(name: str, to: str, context: dict[str, Any], **kwargs: Any) -> None:
    """Send a transactional email immediately (not via the 10-minute queue)."""
    with get_connection() as connection:
        message = build(name, to, context, **kwargs)
        message.connection = connection
        message.send()
