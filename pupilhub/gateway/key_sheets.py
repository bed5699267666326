"""The licence-key workbook (xlsx, one row a key, for a mail merge): the only place new keys
exist in plain text."""

import io

from django.conf import settings

from pupilhub.core.sheets import xlsx_row
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School

from . import keys as licence_keys
from .models import (
    LicenceType,
)


def workbook(school: School, lt: LicenceType, issued: list[tuple[Pupil, str]]) -> bytes:
    """One row a key, ready for mail merge (openpyxl write-only: fast for thousands)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Licence keys")
    register = f"{settings.BASE_URL}/gateway/{school.id}/register/"
    sheet.append(
        xlsx_row(
            sheet,
            [
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
            ],
        )
    )
    for pupil, key in issued:
        pupil.school = school
        sheet.append(
            xlsx_row(
                sheet,
                [
                    pupil.pupil_id,
                    pupil.first_name,
                    pupil.surname,
                    pupil.year_group,  # the national code, as everywhere in the API
                    pupil.tutor_group,
                    lt.name,
                    licence_keys.display(key),
                    school.name,
                    register,
                    pupil.year_label,  # "Y8" or "S2", for the letter
                ],
            )
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
