"""Pupil endpoints."""

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from pupilhub.api.base import In, YearCode, binary, errors, page
from pupilhub.core.downloads import xml_download
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import ADMINS, school_api

from . import actions
from .access import open_pupil, pupil_for, search_pupils
from .models import Pupil

router = Router(tags=["pupils"])


class PupilIn(In):
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
    sen_start_date: date | None = None  # when the SEN status began; default: the day it is set


class PupilPatch(In):
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
    sen_start_date: date = None  # type: ignore[assignment]


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
    sen_start_date: date | None
    updated_at: datetime  # a sync keeps the latest it saw and asks `?updated_after=` that


class PupilList(Schema):
    items: list[PupilOut]
    next: str | None


class ImportError_(Schema):
    row: int
    pupil: str = ""  # as the file names them: first name and surname, else the UPN
    message: str


class ImportColumn(Schema):
    column: str  # the header as the file wrote it
    field: str | None  # the pupil field it became; null: ignored
    note: str = ""  # why a column was ignored


class CtfDestination(Schema):
    lea: str
    estab: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    errors: list[ImportError_]
    skipped: int = 0  # a partial CTF's pupils not on roll (it never creates)
    header_row: int = 1  # the spreadsheet row the header was found on (0: a CTF)
    columns: list[ImportColumn] = []
    destination: CtfDestination | None = None  # a CTF's DestSchool


@router.post("/schools/{school}/pupils", response={201: PupilOut, **errors(400, 403, 404, 409)})
@school_api()
def create_pupil(request: HttpRequest, access: SchoolAccess, payload: PupilIn) -> Status[Pupil]:
    return Status(201, actions.do_create_pupil(access, payload.dict()))


NAME_ORDER = ("surname", "first_name", "id")
CHANGED_ORDER = ("updated_at", "id")


@router.get("/schools/{school}/pupils", response={200: PupilList, **errors(404)})
@school_api()
def list_pupils(
    request: HttpRequest,
    access: SchoolAccess,
    status: str = "",
    year_group: YearCode | None = None,
    tutor_group: str = "",
    q: str = "",
    updated_after: datetime | None = None,
) -> dict[str, Any]:
    """In name order; with `updated_after`, only pupils changed since, oldest change first
    (a sync keeps the last `updated_at` it saw and asks again from there)."""
    qs = search_pupils(access, status=status, year_group=year_group, tutor_group=tutor_group, q=q)
    if updated_after is not None:
        return page(request, qs.filter(updated_at__gt=updated_after), keyset=CHANGED_ORDER)
    return page(request, qs, keyset=NAME_ORDER)


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
    accept_other_destination: bool = False,
) -> dict[str, Any]:
    """An MIS export: CSV (UTF-8 with or without BOM, UTF-16, or Windows-1252), .xlsx or a
    CTF, told apart by content; its header labels (`UPN`, `Legal Surname`, `DOB`, `NC
    Year`, `Reg`, `SEN Status`, `Gender` ...) or the field names, found below any title
    rows; dates such as `09/05/2014` or `9 May 2014`; `Yr 7`, `R`, `N1`, `X`, `S1` years.

    All-or-nothing: with any bad row nothing changes and every row's errors are listed
    (rows numbered as in a spreadsheet, naming the pupil), unless `?partial=true`.
    `?dry_run=true` changes nothing and answers what would happen, with which column
    became which field. A CTF made for another school is a 400 `wrong_destination` unless
    `?accept_other_destination=true`.
    """
    return actions.do_import_pupils(
        access,
        file.read(),
        partial=partial,
        dry_run=dry_run,
        accept_other_destination=accept_other_destination,
    )


class YearEndIn(Schema):
    dry_run: bool = False


class YearEndOut(Schema):
    promoted: int
    left: int
    academic_year: str  # the year rolled into, "2026/27"


@router.post("/schools/{school}/year-end", response={200: YearEndOut, **errors(400, 403, 404, 409)})
@school_api()
def year_end(
    request: HttpRequest, access: SchoolAccess, payload: YearEndIn | None = None
) -> dict[str, Any]:
    """The year-end rollover (Main School Admin): active pupils move up a year; those past
    the school's `year_to` become archived leavers. Once per academic year (409
    `already_done`); `dry_run` answers what would happen and changes nothing."""
    dry_run = payload.dry_run if payload else False
    return actions.do_year_end(access, dry_run=dry_run)


@router.get(
    "/schools/{school}/ctf",
    response={200: None, **errors(400, 403, 404)},
    openapi_extra=binary("application/xml"),
)
@school_api(ADMINS)
def export_ctf(
    request: HttpRequest,
    access: SchoolAccess,
    pupils: str = "",
    dest_lea: str = "",
    dest_estab: str = "",
) -> HttpResponse:
    """A DfE Common Transfer File for these pupils (`?pupils=id,id`), to a school outside
    pupilhub: `dest_lea`/`dest_estab` (default `MMM`/`MMMM`, not known; `XXX`/`XXXX` abroad).
    Every pupil needs a valid permanent UPN (400 `invalid_upn` naming those without)."""
    ids = [i.strip() for i in pupils.split(",") if i.strip()]
    data, name = actions.do_export_ctf(access, ids, dest_lea, dest_estab)
    return xml_download(data, name)


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
