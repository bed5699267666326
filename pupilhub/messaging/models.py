"""Mass email: a message, and one delivery row per recipient, sent by the dispatcher."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from pupilhub.core.models import SchoolOwned


class Message(SchoolOwned):
    """What staff wrote and whom it was for. The body is stored sanitised."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=200)
    html_body = models.TextField()
    # Whom it was for: pupils, year_groups, tutor_groups, sets (lists), times licence_types.
    spec = models.JSONField(default=dict)
    recipient_count = models.PositiveIntegerField(default=0)
    pupil_count = models.PositiveIntegerField(default=0)
    send_after = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Deliveries by status, kept here when the delivery rows go (DELIVERY_ROWS_KEPT_DAYS
    # after the message: its unsubscribe links have lapsed by then); null while they exist.
    final_counts = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The nightly purge's look for messages whose delivery rows may go.
            models.Index(
                fields=["created_at"],
                condition=models.Q(final_counts__isnull=True),
                name="message_rows_kept_idx",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # Not sent: at dispatch the person was denied by the school, no longer linked to the
    # pupil, or gone. A cancelled delivery keeps no address.
    CANCELLED = "cancelled", "Cancelled"
    # Sent, then the provider reported a hard bounce or a complaint (the tracking webhook).
    BOUNCED = "bounced", "Bounced"


class Delivery(models.Model):
    """One email to one person. Claimed atomically by one dispatch run (`run_id`), which
    alone may send and mark it, and marked sent the moment the relay accepts it; a lease,
    renewed while the run works, lets a crashed run's unsent rows be claimed again. The
    Message-ID is fixed per delivery, so the one message a crash can catch between the
    relay's answer and its mark is recognisable as a repeat."""

    id = models.BigAutoField(primary_key=True)  # claim order
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()  # snapshot at queue time; never shown to staff
    pupil_ids = models.JSONField(default=list)
    pupil_names = models.CharField(max_length=300, blank=True)  # merge field
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    run_id = models.CharField(max_length=32, blank=True)  # the dispatch run that claimed it
    queued_at = models.DateTimeField(default=timezone.now)  # gives up 24 hours on
    last_error = models.CharField(max_length=300, blank=True)
    mail_id = models.CharField(max_length=200, unique=True)  # the Message-ID header
    # When its one-click unsubscribe link was used (a second use is refused as a replay).
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["message", "status"]),
            # The claim's scan: only rows still to send, in id order, however long the history.
            models.Index(
                fields=["id"],
                condition=models.Q(status__in=["queued", "sending"]),
                name="delivery_to_send_idx",
            ),
            # The nightly purge's scan: only rows still holding an address.
            models.Index(
                fields=["message"],
                condition=~models.Q(email=""),
                name="delivery_unpurged_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}: {self.status}"


class MailOptOut(models.Model):
    """A family account that asked for no more mass email from one school (the one-click
    unsubscribe, the account page or `PUT /me/preferences`). Safety notices still go."""

    id = models.BigAutoField(primary_key=True)
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_opt_outs"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="one_opt_out_per_school")
        ]

    def __str__(self) -> str:
        return f"opt-out {self.user_id} @ {self.school_id}"


class SuppressedAddress(models.Model):
    """An address the provider reported as a hard bounce or a complaint: no more mass email
    goes to it. Kept as a SHA-256 of the lower-cased address, never the address."""

    digest = models.CharField(max_length=64, primary_key=True)
    reason = models.CharField(max_length=20)  # bounced, complained
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"suppressed ({self.reason})"
