"""Checking school and staff details before they are saved."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from pupilhub.core.errors import Invalid

from .choices import NOT_NC, YEAR_CODES, YearScheme

RANGE_ERROR = "Enter a year code from -2 (N1) to 15."

# DfE identifiers for Common Transfer File headers: (field, digits, name). Optional.
DFE_CODES = (
    ("urn", 6, "unique reference number (URN)"),
    ("lea", 3, "local authority number"),
    ("estab", 4, "establishment number"),
)
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def clean_school_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate school fields; raise Invalid naming every bad field."""
    errors: dict[str, list[str]] = {}
    name = " ".join((data.get("name") or "").split())
    if not name:
        errors["name"] = ["Enter the school's name."]
    # One spelling for one place: upper case, the space before the 3-character inward code.
    squeezed = "".join((data.get("postcode") or "").upper().split())
    postcode = f"{squeezed[:-3]} {squeezed[-3:]}" if len(squeezed) > 4 else squeezed
    if not POSTCODE_RE.match(postcode):
        errors["postcode"] = ["Enter a UK postcode, like SW1A 1AA."]
    scheme = data.get("year_scheme") or YearScheme.ENGLAND
    if scheme not in YearScheme.values:
        errors["year_scheme"] = ["Choose england or scotland."]
    years: dict[str, int | None] = {}
    for key in ("year_from", "year_to"):
        value = data.get(key)
        if value is None or value == "":
            years[key] = None
            continue
        try:
            years[key] = int(value)
        except (TypeError, ValueError):
            errors[key] = [RANGE_ERROR]
            continue
        if years[key] not in YEAR_CODES or years[key] == NOT_NC:
            errors[key] = [RANGE_ERROR]
    y_from, y_to = years.get("year_from"), years.get("year_to")
    if y_from is not None and y_to is not None and y_from > y_to and not errors:
        errors["year_to"] = ["The last year taught must not be before the first."]
    codes = {}
    for key, digits, label in DFE_CODES:
        value = str(data.get(key) or "").strip()
        if value and not (value.isdigit() and len(value) == digits and value.isascii()):
            errors[key] = [f"The {label} is {digits} digits."]
        codes[key] = value
    if errors:
        raise Invalid("Please correct the school's details.", fields=errors)
    return {
        "name": name,
        "postcode": postcode,
        "year_scheme": scheme,
        "year_from": y_from,
        "year_to": y_to,
        **codes,
    }


def clean_person(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    email = (data.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid email address."]
    first = (data.get("first_name") or "").strip()
    surname = (data.get("surname") or "").strip()
    if not first:
        errors["first_name"] = ["Enter a first name."]
    if not surname:
        errors["surname"] = ["Enter a surname."]
    if errors:
        raise Invalid("Please correct the staff member's details.", fields=errors)
    return {"email": email, "first_name": first[:100], "surname": surname[:100]}
