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
    # A concern is `new` until a safeguarding lead first opens it.
    NEW = "new", "New"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


# Keeping Children Safe in Education's kinds of concern; a school may add its own.
SAFEGUARDING_CATEGORIES: dict[str, str] = {
    "physical_abuse": "Physical abuse",
    "emotional_abuse": "Emotional abuse",
    "sexual_abuse": "Sexual abuse",
    "neglect": "Neglect",
    "child_on_child_abuse": "Child-on-child abuse",
    "online_safety": "Online safety",
    "self_harm": "Self-harm",
    "mental_health": "Mental health",
    "domestic_abuse": "Domestic abuse",
    "child_sexual_exploitation": "Child sexual exploitation",
    "child_criminal_exploitation": "Child criminal exploitation",
    "radicalisation": "Radicalisation",
    "fgm": "Female genital mutilation",
    "honour_based_abuse": "Honour-based abuse",
    "missing_education": "Child missing from education",
    "allegation_against_staff": "Allegation against staff",
    "other": "Other",
}


def category_name(key: str) -> str:
    """A category's name: the KCSIE list's, else the key in words (a school's own category
    is named by its key; pages that know the school look its name up)."""
    return SAFEGUARDING_CATEGORIES.get(key) or key.replace("_", " ").capitalize()
