"""Bounces and complaints from the mail provider (django-anymail tracking webhooks), at
`POST /webhooks/mail/<MAIL_WEBHOOK_SECRET>`: a hard bounce or a complaint marks the
delivery `bounced` and stops mass email to the address. The secret in the path is the
webhook's only key: a wrong one is a 404, as if nothing were there. An event for a message
pupilhub does not know is ignored with a 200 (so the provider stops retrying) and a log line
that names no address."""

import hmac
import logging
from datetime import timedelta
from importlib import import_module
from typing import Any

from anymail.signals import tracking
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from pupilhub.core import audit

from .models import Delivery, DeliveryStatus
from .optout import suppress

log = logging.getLogger(__name__)

VIEWS = {
    "amazon_ses": "amazon_ses.AmazonSESTrackingWebhookView",
    "brevo": "brevo.BrevoTrackingWebhookView",
    "mailersend": "mailersend.MailerSendTrackingWebhookView",
    "mailgun": "mailgun.MailgunTrackingWebhookView",
    "mailjet": "mailjet.MailjetTrackingWebhookView",
    "postal": "postal.PostalTrackingWebhookView",
    "postmark": "postmark.PostmarkTrackingWebhookView",
    "resend": "resend.ResendTrackingWebhookView",
    "sendgrid": "sendgrid.SendGridTrackingWebhookView",
    "sparkpost": "sparkpost.SparkPostTrackingWebhookView",
}
STOPS_MAIL = {"bounced": "bounced", "complained": "complained"}
METADATA_KEY = "pupilhub_delivery"  # set on every mass email sent through anymail


def provider() -> str:
    """The provider whose events arrive: MAIL_PROVIDER, else the anymail backend's name."""
    named = getattr(settings, "MAIL_PROVIDER", "")
    if named:
        return str(named)
    parts = settings.EMAIL_BACKEND.split(".")
    return parts[2] if len(parts) > 3 and parts[0] == "anymail" else ""


@csrf_exempt
def mail_events(request: HttpRequest, secret: str) -> HttpResponse:
    expected = getattr(settings, "MAIL_WEBHOOK_SECRET", "")
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Http404()
    path = VIEWS.get(provider())
    if path is None:
        raise Http404()
    module, name = path.rsplit(".", 1)
    view_class = getattr(import_module(f"anymail.webhooks.{module}"), name)
    # The path's secret is the key; anymail's basic auth is checked too when configured.
    keyed: Any = type(name, (view_class,), {"warn_if_no_basic_auth": False})
    response: HttpResponse = keyed.as_view()(request)
    return response


@receiver(tracking, dispatch_uid="pupilhub-mail-events")
def on_event(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    reason = STOPS_MAIL.get(event.event_type)
    if reason is None:
        return
    delivery = _delivery_for(event)
    if delivery is None:
        log.info("mail event %s for a message pupilhub does not know: ignored", reason)
        return
    address = delivery.email or event.recipient or ""
    if address:
        suppress(address, reason)
    marked = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENT).update(
        status=DeliveryStatus.BOUNCED, last_error=f"{reason} ({esp_name})"[:300]
    )
    if marked:
        message = delivery.message
        audit.record(None, f"mail.{reason}", message, school=message.school, delivery=delivery.pk)
    log.info("mail event %s: delivery %s marked bounced", reason, delivery.pk)


def _delivery_for(event: Any) -> Delivery | None:
    """By the id pupilhub put in the message's metadata, by its Message-ID, else the latest
    delivery sent to the address in the last 30 days."""
    ref = (getattr(event, "metadata", None) or {}).get(METADATA_KEY)
    ids = [i for i in (ref, event.message_id) if i]
    for value in ids:
        value = str(value).strip()
        found = (
            Delivery.objects.select_related("message__school")
            .filter(mail_id__in=[value, f"<{value.strip('<>')}>"])
            .first()
        )
        if found is not None:
            return found
    if event.recipient:
        since = timezone.now() - timedelta(days=30)
        return (
            Delivery.objects.select_related("message__school")
            .filter(email__iexact=event.recipient, status=DeliveryStatus.SENT, sent_at__gte=since)
            .order_by("-sent_at")
            .first()
        )
    return None
