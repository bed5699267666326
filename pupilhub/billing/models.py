"""The gateway subscription and the invoices it raises."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models

from pupilhub.core.models import SchoolOwned, UUIDModel


class Subscription(SchoolOwned):
    """A school's External Gateway subscription. Without one the school is on trial."""

    school = models.OneToOneField(
        "schools.School", on_delete=models.CASCADE, related_name="subscription"
    )
    activated_on = models.DateField()
    first_invoice_date = models.DateField()
    # The next annual invoice: moves on a year each time one is raised.
    next_invoice_date = models.DateField()
    # The school's purchase-order number, printed on each invoice raised from now on.
    po_number = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Subscription of {self.school_id} from {self.activated_on}"


class InvoiceKind(models.TextChoices):
    ACTIVATION = "activation", "Activation (pro rata)"
    ANNUAL = "annual", "Annual"


class Invoice(SchoolOwned):
    """One invoice. (school, kind, period_start) is unique, so raising twice is a no-op."""

    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(max_length=30, unique=True)
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices)
    issued_on = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    pupils_on_roll = models.PositiveIntegerField()
    price_per_pupil_pence = models.PositiveIntegerField()
    months = models.PositiveSmallIntegerField()
    amount_pence = models.PositiveIntegerField()
    po_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "kind", "period_start"], name="one_invoice_per_period"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def due_on(self) -> date:
        """Payment is due this many days after issue (settings.INVOICE_PAYMENT_DAYS)."""
        return self.issued_on + timedelta(days=settings.INVOICE_PAYMENT_DAYS)


class InvoiceLine(UUIDModel):
    """A line of an invoice, as the school's finance office reads it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_pence = models.PositiveIntegerField()
    amount_pence = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.description


class InvoiceCounter(models.Model):
    """The last invoice number used in a year: numbers run PH-2026-000001, -000002, ...
    across the platform, taken under a row lock (unique whatever the number of schools)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ActivationRequest(SchoolOwned):
    """A Main School Admin asks for the gateway subscription; an operator approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the operator"
        APPROVED = "approved", "Approved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoice_date = models.DateField()
    po_number = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=models.Q(status="pending"),
                name="one_pending_activation_request",
            )
        ]

    def __str__(self) -> str:
        return f"activation request {self.pk}"
