"""The licence-key workbook (xlsx, one row a key, for a mail merge): the only place new keys
exist in plain text."""

import io
from typing import Any

from django.conf import settings

from pupilhub.core.sheets import xlsx_row
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School

from . import keys as licence_keys
from .models import (
    LicenceType,
)

FIELD_HEADERS = [  # the API's workbook: the contract's field names
    "pupil_id",
    "first_name",
    "surname",
    "year_group",
    "tutor_group",
    "licence_type",
    "licence_key",
    "school",
    "registration_address",
    "year",
]
WORD_HEADERS = [  # the page's workbook, for a person's mail merge
    "Pupil ID",
    "First name",
    "Surname",
    "Year",
    "Tutor group",
    "Licence type",
    "Licence key",
    "School",
    "Register at",
]


def join_address(school: School) -> str:
    """The short registration address for a letter: typed from paper, so short."""
    return f"{settings.BASE_URL}/join/{school.join_code}"


def workbook(
    school: School, lt: LicenceType, issued: list[tuple[Pupil, str]], words: bool = False
) -> bytes:
    """One row a key, ready for mail merge (openpyxl write-only: fast for thousands), the
    header row frozen. `words`: headers in words and one year column (the page's file);
    else the API's field names, with the year's national code and its label."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Licence keys")
    sheet.freeze_panes = "A2"
    register = join_address(school)
    sheet.append(xlsx_row(sheet, WORD_HEADERS if words else FIELD_HEADERS))
    for pupil, key in issued:
        pupil.school = school
        tail = [pupil.tutor_group, lt.name, licence_keys.display(key), school.name, register]
        if words:  # one year column, as the letter says it ("Y8" or "S2")
            row: list[Any] = [pupil.pupil_id, pupil.first_name, pupil.surname, pupil.year_label]
            row += tail
        else:  # the national code, as everywhere in the API, and its label last
            row = [pupil.pupil_id, pupil.first_name, pupil.surname, pupil.year_group]
            row += [*tail, pupil.year_label]
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(school: School, lt: LicenceType, on: Any) -> str:
    """ "licence-keys-oakfield-primary-parent-guardian-2026-12-03.xlsx"."""
    from django.utils.text import slugify

    return f"licence-keys-{slugify(school.name)}-{slugify(lt.name)}-{on:%Y-%m-%d}.xlsx"
