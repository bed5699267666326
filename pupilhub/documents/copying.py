"""Copying documents between pupils in the database itself (INSERT ... SELECT).

Used by the transition tool for the plain document types (plans, provisions, passports,
meeting logs): the rows never pass through Python, so a 300-pupil transfer costs what the
database needs, not 6,000 model instances. Each copy remembers its source document, and a
pair already copied is skipped (NOT EXISTS), so repeating a transfer copies nothing twice.
Files and safeguarding issues (bytes to copy, action logs to carry) stay in Python.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection

from pupilhub.core.sql import db_uuid

from .registry import DocType

# Columns a copy sets itself; everything else is carried over from the source row.
OWN = {
    "id",
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
