"""Fixed lists of the safeguarding work: body views, agencies, alert kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BodyView(models.TextChoices):
    FRONT = "front", _("Front")
    BACK = "back", _("Back")


class Agency(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", _("Children's social care")
    POLICE = "police", _("Police")
    EARLY_HELP = "early_help", _("Early help")
    CAMHS = "camhs", _("CAMHS")
    LADO = "lado", _("LADO")
    HEALTH = "health", _("Health")
    OTHER = "other", _("Other")


class AlertKind(models.TextChoices):
    NEW_CONCERN = "new_concern", _("New concern")
    TASK_OVERDUE = "task_overdue", _("Task overdue")
    REFERRAL_LATE = "referral_late", _("Referral response late")
    FILE_OVERDUE = "file_overdue", _("Child-protection file not confirmed")


# Statuses a lead may set (a concern starts `new`, and opening it makes it `open`).
ISSUE_STATUSES = ("new", "open", "closed")
