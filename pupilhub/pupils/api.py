"""Pupil endpoints."""

import uuid
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from pupilhub.api.base import YearCode, errors, page
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_api

from . import actions
from .access import open_pupil, pupil_for, search_pupils
from .models import Pupil

router = Router(tags=["pupils"])


class PupilIn(Schema):
    first_name: str
    surname: str
    date_of_birth: date
    pupil_id: str
    year_group: int
    tutor_group: str = ""
    sets: list[str] = []
    status: str = "active"
    sex: str = ""  # F, M or empty
    sen_status: str = "N"  # N none, K SEN support, E EHC plan
    sen_needs: list[str] = []  # ranked DfE codes, primary first (SPLD, MLD, ASD, SEMH ...)


class PupilPatch(Schema):
    """Fields left out keep their value; `null` is refused (none of them may be empty)."""

    first_name: str = None  # type: ignore[assignment]
    surname: str = None  # type: ignore[assignment]
    date_of_birth: date = None  # type: ignore[assignment]
    pupil_id: str = None  # type: ignore[assignment]
    year_group: int = None  # type: ignore[assignment]
    tutor_group: str = None  # type: ignore[assignment]
    sets: list[str] = None  # type: ignore[assignment]
    status: str = None  # type: ignore[assignment]
    sex: str = None  # type: ignore[assignment]
    sen_status: str = None  # type: ignore[assignment]
    sen_needs: list[str] = None  # type: ignore[assignment]


class PupilOut(Schema):
    id: uuid.UUID
    first_name: str
    surname: str
    date_of_birth: date
    pupil_id: str
    year_group: int
    tutor_group: str
    sets: list[str]
    status: str
    sex: str
    sen_status: str
    sen_needs: list[str]


class PupilList(Schema):
    items: list[PupilOut]
    next: str | None


class ImportError_(Schema):
    row: int
    message: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[ImportError_]


@router.post("/schools/{school}/pupils", response={201: PupilOut, **errors(400, 403, 404, 409)})
@school_api()
def create_pupil(request: HttpRequest, access: SchoolAccess, payload: PupilIn) -> Status[Pupil]:
    return Status(201, actions.do_create_pupil(access, payload.dict()))


@router.get("/schools/{school}/pupils", response={200: PupilList, **errors(404)})
@school_api()
def list_pupils(
    request: HttpRequest,
    access: SchoolAccess,
    status: str = "",
    year_group: YearCode | None = None,
    tutor_group: str = "",
    q: str = "",
) -> dict[str, Any]:
    qs = search_pupils(access, status=status, year_group=year_group, tutor_group=tutor_group, q=q)
    return page(request, qs)


@router.post(
    "/schools/{school}/pupils/import", response={200: ImportOut, **errors(400, 403, 404, 413)}
)
@school_api()
def import_pupils(
    request: HttpRequest,
    access: SchoolAccess,
    file: UploadedFile = File(...),
    partial: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    """An MIS export: CSV (UTF-8 with or without BOM, or Windows-1252) or .xlsx, told
    apart by content; its header labels (`UPN`, `Legal Surname`, `DOB`, `NC Year`, `Reg
    Group`, `SEN Status`, `Gender` ...) or the field names; `DD/MM/YYYY` dates; `Year 7`,
    `R`, `S1` year labels.

    All-or-nothing: with any bad row nothing changes and every row's errors are
    listed (rows numbered as in a spreadsheet, header = 1), unless `?partial=true`.
    `?dry_run=true` changes nothing and answers what would happen.
    """
    return actions.do_import_pupils(access, file.read(), partial=partial, dry_run=dry_run)


@router.get("/schools/{school}/pupils/{pupil}", response={200: PupilOut, **errors(404)})
@school_api()
def get_pupil(request: HttpRequest, access: SchoolAccess, pupil: str) -> Pupil:
    return open_pupil(access, pupil)


@router.patch(
    "/schools/{school}/pupils/{pupil}", response={200: PupilOut, **errors(400, 403, 404, 409)}
)
@school_api()
def update_pupil(
    request: HttpRequest, access: SchoolAccess, pupil: str, payload: PupilPatch
) -> Pupil:
    target = pupil_for(access, pupil)
    data = payload.dict(exclude_unset=True)
    return actions.do_update_pupil(access, target, data)
