"""Values for the few hand-written SQL statements (bulk copies and inserts)."""

from typing import Any
from uuid import UUID

from django.db import connection


def db_uuid(value: UUID | None) -> Any:
    """A UUID as this database stores it: PostgreSQL's uuid type, or SQLite's 32 hex
    characters (what Django's UUIDField writes there). None stays None."""
    if value is None or connection.vendor == "postgresql":
        return value
    return value.hex
