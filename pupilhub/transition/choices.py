from django.db import models


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    DENIED = "denied", "Denied"
    LEFT = "left", "Left"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Copying"
    COMPLETED = "completed", "Completed"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    TRANSFERRED = "transferred", "Transferred"
    SKIPPED = "skipped", "Skipped"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"


DOCUMENT_TYPES = (
    "plans",
    "provisions",
    "passports",
    "meeting_logs",
    "files",
    "safeguarding_issues",
)
