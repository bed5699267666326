from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    AMEND = "amend", _("Amend")
    CLOSE = "close", _("Close")
    ESCALATE = "escalate", _("Escalate")


SCORES = [(s, f"{s:+d}" if s else "0") for s in (-2, -1, 0, 1, 2)]
OPEN_PLAN_STATUSES = ("draft", "active", "reviewed")
