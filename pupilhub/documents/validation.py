"""Checking a document before it is saved: field values, file names, storage names."""

import os
import uuid
from datetime import date
from typing import Any

from pupilhub.core.errors import Invalid

from .registry import DocType

TEXT_LIMIT = 20000


def _check_text(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for key, value in data.items():
        if isinstance(value, str) and len(value) > TEXT_LIMIT:
            errors.setdefault(key, []).append(f"At most {TEXT_LIMIT} characters.")


def _check_targets(targets: Any, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    clean = []
    for target in targets or []:
        row = {
            k: str(target.get(k) or "").strip()
            for k in ("description", "success_criteria", "outcome")
        }
        if not row["description"]:
            errors.setdefault("targets", []).append("Every target needs a description.")
            continue
        clean.append(row)
    return clean


def clean_document(dtype: DocType, data: dict[str, Any], instance: Any = None) -> dict[str, Any]:
    """Domain checks the schema cannot express; returns model-attribute values."""
    errors: dict[str, list[str]] = {}
    merged = (
        {api: getattr(instance, attr) for api, attr in dtype.fields.items()} if instance else {}
    )
    merged.update(data)
    for name in dtype.required:
        value = merged.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.setdefault(name, []).append("This field is required.")
    if dtype.dates:
        start, end = (merged.get(f) for f in dtype.dates)
        if isinstance(start, date) and isinstance(end, date) and end < start:
            errors.setdefault(dtype.dates[1], []).append(
                f"Must not be before the {dtype.dates[0].replace('_', ' ')}."
            )
    for key in ("cost_pence", "group_size"):
        if isinstance(data.get(key), int) and data[key] < 0:
            errors.setdefault(key, []).append("Must not be negative.")
    if "targets" in data:
        data = {**data, "targets": _check_targets(data["targets"], errors)}
    _check_text(data, errors)
    if errors:
        raise Invalid("Please correct the highlighted fields.", fields=errors)
    values = {dtype.fields[k]: v for k, v in data.items() if k in dtype.fields}
    for key, value in list(values.items()):
        if isinstance(value, str):
            values[key] = value.strip()
    return values


def stored_name(school_id: Any) -> str:
    """A server-made storage name: nothing of the uploader's filename reaches the disk."""
    return f"attachments/{school_id}/{uuid.uuid4().hex}"


def safe_filename(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>:/\\|?*;')
    return cleaned[:200] or "file"
