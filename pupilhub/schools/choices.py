"""Year schemes and staff roles."""

from django.db import models


class YearScheme(models.TextChoices):
    ENGLAND = "england", "England (Reception, Y1-Y13)"
    SCOTLAND = "scotland", "Scotland (P1-P7, S1-S6)"


class Role(models.TextChoices):
    MAIN_ADMIN = "main_admin", "Main School Admin"
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Staff"


ADMIN_ROLES = (Role.MAIN_ADMIN, Role.ADMIN)
YEAR_CODES = range(0, 16)


def year_label(code: int | None, scheme: str) -> str:
    """Display a national year code: 0 Reception, 1-13 Y1-Y13 or P1-P7/S1-S6, 14-15 retained."""
    if code is None:
        return ""
    if scheme == YearScheme.SCOTLAND:
        if code == 0:
            return "Nursery"
        return f"P{code}" if code <= 7 else f"S{code - 7}"
    return "Reception" if code == 0 else f"Y{code}"


def year_choices(scheme: str) -> list[tuple[int, str]]:
    return [(code, year_label(code, scheme)) for code in YEAR_CODES]
