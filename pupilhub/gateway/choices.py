from django.db import models


class LicenceKind(models.TextChoices):
    PUPIL = "pupil", "Pupil"
    PARENT = "parent", "Parent/Guardian"
    CUSTOM = "custom", "Custom"


class FieldKind(models.TextChoices):
    GRADE = "grade", "Grade"
    NUMBER = "number", "Number"
    TEXT = "text", "Text"


TRIAL_KEYS = 5  # per built-in licence type, before a subscription
