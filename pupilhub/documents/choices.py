from django.db import models


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    REVIEWED = "reviewed", "Reviewed"
    CLOSED = "closed", "Closed"


class AreaOfNeed(models.TextChoices):
    COGNITION = "cognition_learning", "Cognition and learning"
    COMMUNICATION = "communication_interaction", "Communication and interaction"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY = "sensory_physical", "Sensory and/or physical"


class MeetingType(models.TextChoices):
    REVIEW = "review", "Review"
    PARENT = "parent_meeting", "Parent meeting"
    MULTI_AGENCY = "multi_agency", "Multi-agency"
    OTHER = "other", "Other"


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
