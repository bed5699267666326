"""Copying documents between pupils in the database itself (INSERT ... SELECT).

Used by the transition tool for the plain document types (plans, provisions, passports,
meeting logs): the rows never pass through Python, so a 300-pupil transfer costs what the
database needs, not 6,000 model instances. Each copy remembers its source document, and a
pair already copied is skipped (NOT EXISTS), so repeating a transfer copies nothing twice.
Files and safeguarding issues (bytes to copy, action logs to carry) stay in Python.
"""

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.files.base import ContentFile
from django.db import connection

from pupilhub.core import uploads
from pupilhub.core.errors import Invalid
from pupilhub.core.sql import db_uuid

from .models import SafeguardingAction
from .registry import FILE, DocType
from .validation import stored_name

# Columns a copy sets itself; everything else is carried over from the source row.
OWN = {
    "id",
    "intervention_id",  # the sending school's group, not this school's
    "school_id",
    "pupil_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted_by_id",
    "source_document",
    "transferred_from_school_id",
    "transferred_at",
}


def _newdb_uuid() -> str:
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    # 128 random bits with the UUID version 4 and variant bits set, as 32 hex characters.
    return (
        "lower(substr(h, 1, 12) || '4' || substr(h, 14, 3) || "
        "substr('89ab', 1 + (abs(random()) %% 4), 1) || substr(h, 18, 15))"
    )


def _pairs_cte(pairs: list[tuple[UUID, UUID]]) -> tuple[str, list[Any]]:
    """`WITH m(src_pupil, dst_pupil) AS (VALUES ...)`: which source pupil goes to whom."""
    rows = ", ".join(["(%s, %s)"] * len(pairs))
    params = [p for src, dst in pairs for p in (db_uuid(src), db_uuid(dst))]
    return f"WITH m(src_pupil, dst_pupil) AS (VALUES {rows}) ", params


def tally(
    dtype: DocType, school: Any, pairs: list[tuple[UUID, UUID]]
) -> dict[Any, tuple[int, int]]:
    """For each receiving pupil: (live source documents, those not yet copied to it)."""
    if not pairs:
        return {}
    table = dtype.model._meta.db_table
    cte, params = _pairs_cte(pairs)
    # Table and column names come from the models, never from input; values are parameters.
    sql = (
        cte + f"SELECT m.dst_pupil, COUNT(*), SUM(CASE WHEN NOT EXISTS ("  # noqa: S608
        f"SELECT 1 FROM {table} c WHERE c.pupil_id = m.dst_pupil AND c.source_document = src.id"
        f") THEN 1 ELSE 0 END) FROM {table} src JOIN m ON m.src_pupil = src.pupil_id "
        "WHERE src.school_id = %s AND src.deleted_at IS NULL GROUP BY m.dst_pupil"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, db_uuid(school.pk)])
        rows = cursor.fetchall()
    out = {}
    for dst, live, fresh in rows:
        key = dst if isinstance(dst, UUID) else UUID(str(dst))
        out[key] = (int(live), int(fresh or 0))
    return out


def copy(
    dtype: DocType,
    from_school: Any,
    to_school: Any,
    pairs: list[tuple[UUID, UUID]],
    now: datetime,
) -> int:
    """Copy the live documents of the source pupils to their receiving pupils; returns rows."""
    if not pairs:
        return 0
    model = dtype.model
    table = model._meta.db_table
    carried = [f.column for f in model._meta.concrete_fields if f.column not in OWN]
    stamp = connection.ops.adapt_datetimefield_value(now)
    cte, params = _pairs_cte(pairs)
    listed = ", ".join(carried)
    picked = ", ".join(f"src.{c}" for c in carried)
    head = (
        "SELECT *, lower(hex(randomblob(16))) AS h FROM "
        if connection.vendor != "postgresql"
        else "SELECT * FROM "
    )
    sql = (
        cte + f"INSERT INTO {table} (id, school_id, pupil_id, created_at, updated_at, "  # noqa: S608
        f"source_document, transferred_from_school_id, transferred_at, {listed}) "
        f"SELECT {_newdb_uuid()}, %s, m.dst_pupil, %s, %s, src.id, %s, %s, {picked} "
        f"FROM ({head}{table}) src JOIN m ON m.src_pupil = src.pupil_id "
        "WHERE src.school_id = %s AND src.deleted_at IS NULL AND NOT EXISTS ("
        f"SELECT 1 FROM {table} c WHERE c.pupil_id = m.dst_pupil AND c.source_document = src.id)"
    )
    values = [
        db_uuid(to_school.pk),
        stamp,
        stamp,
        db_uuid(from_school.pk),
        stamp,
        db_uuid(from_school.pk),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *values])
        return cursor.rowcount


# Files and safeguarding issues: copied in Python (bytes, action logs) ------------


def sources(dtype: DocType, school: Any, partner_ids: list[Any]) -> dict[Any, list[Any]]:
    """The sender's live documents of one type, by pupil: one query for the chunk."""
    grouped: dict[Any, list[Any]] = {}
    rows = dtype.model.objects.filter(  # type: ignore[attr-defined]
        school=school, pupil_id__in=partner_ids, deleted_at__isnull=True
    ).order_by("created_at")
    for doc in rows:
        grouped.setdefault(doc.pupil_id, []).append(doc)
    return grouped


def already_copied(
    dtype: DocType, pupil_ids: list[Any], sources: dict[Any, list[Any]]
) -> set[tuple[Any, Any]]:
    """(receiving pupil, source document) pairs copied before: each copy remembers its source."""
    ids = [doc.pk for docs in sources.values() for doc in docs]
    if not ids:
        return set()
    return set(
        dtype.model.objects.filter(  # type: ignore[attr-defined]
            pupil_id__in=pupil_ids, source_document__in=ids
        ).values_list("pupil_id", "source_document")
    )


COPY_SKIP = {
    "id",
    "school",
    "pupil",
    "created_by",
    "created_at",
    "updated_at",
    "deleted_at",
    "deleted_by",
    "source_document",
    "transferred_from_school",
    "transferred_at",
    "file",
    "opened_at",  # a lead of the sending school opened it; here it is new to the leads
    "intervention",  # the sending school's group
    "opened_by",
}


def copy_of(
    dtype: DocType,
    src: Any,
    pupil: Any,
    from_school: Any,
    to_school: Any,
    now: Any,
    written: list[Any],
) -> Any:
    """An unsaved copy of one document for the receiving pupil (files: their bytes are
    copied now, and their storage names added to `written` so a failure can remove them)."""
    model = dtype.model
    copy = model(
        school=to_school,
        pupil=pupil,
        source_document=src.pk,
        transferred_from_school=from_school,
        transferred_at=now,
        **{
            f.attname: getattr(src, f.attname)
            for f in model._meta.concrete_fields
            if f.name not in COPY_SKIP
        },
    )
    copy.created_at = now  # type: ignore[attr-defined]  # bulk_create skips auto_now_add only when set explicitly
    if dtype is FILE:
        _copy_file(src, copy, written)
    return copy


def _copy_file(src: Any, copy: Any, written: list[Any]) -> None:
    """Storage to storage under a new server-made name; the SHA-256 is checked on the way."""
    with src.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != src.sha256:
        raise Invalid(f"File {src.pk} does not match its recorded SHA-256.", code="file_corrupt")
    name = uploads.save(copy.file.storage, stored_name(copy.school_id), ContentFile(data))
    copy.file.name = name
    written.append(name)


def delete_files(names: list[Any]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


# What other apps copy with a safeguarding issue (the safeguarding app: body-map marks),
# each called with the saved copies (their `source_document` names the original).
ISSUE_COPY_HOOKS: list[Any] = []


def copy_action_logs(copies: list[Any]) -> None:
    """Each entry once, with when it happened and who wrote it where, as text (the author
    is a person at the sending school, not an account here)."""
    by_source = {c.source_document: c for c in copies}
    entries = SafeguardingAction.objects.filter(issue_id__in=list(by_source)).select_related(
        "by", "school"
    )
    SafeguardingAction.objects.bulk_create(
        [
            SafeguardingAction(
                school=by_source[a.issue_id].school,
                issue=by_source[a.issue_id],
                text=a.text,
                at=a.at,  # when it happened, not when it was copied
                by=None,
                by_name=(a.by.full_name or a.by.email) if a.by else a.by_name,
                by_school=a.by_school or a.school.name,
            )
            for a in entries
        ]
    )
    for hook in ISSUE_COPY_HOOKS:
        hook(copies)
