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
# National year codes: -2 and -1 the nursery years N1 and N2, 0 Reception, 1-13, 14-15
# retained; 99 `X`, a pupil not following the National Curriculum (never moved up a year).
N1, N2, NOT_NC = -2, -1, 99
YEAR_CODES = (N1, N2, *range(0, 16), NOT_NC)
CTF_YEARS = {N1: "N1", N2: "N2", 0: "R", NOT_NC: "X"}  # NCyearActual; the rest are digits


def year_label(code: int | None, scheme: str) -> str:
    """Display a national year code: N1, N2, 0 Reception, 1-13 Y1-Y13 or P1-P7/S1-S6,
    14-15 retained, X not following the National Curriculum."""
    if code is None:
        return ""
    if code in (N1, N2, NOT_NC):
        return CTF_YEARS[code]
    if scheme == YearScheme.SCOTLAND:
        if code == 0:
            return "Nursery"
        return f"P{code}" if code <= 7 else f"S{code - 7}"
    return "Reception" if code == 0 else f"Y{code}"


def year_choices(scheme: str) -> list[tuple[int, str]]:
    return [(code, year_label(code, scheme)) for code in YEAR_CODES]
