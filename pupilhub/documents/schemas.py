"""Schemas the document endpoints share with other apps' endpoints."""

from datetime import datetime
from typing import Any

from ninja import Schema


class Origin(Schema):
    school: dict[str, Any]
    transferred_at: datetime
