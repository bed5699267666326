"""Pupil identifiers: UPN validation and the transition match key."""

import re
import unicodedata
from datetime import date

# DfE letter table for UPN check letters: A-Z without I, O and S (23 letters).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
OTHER_ID_RE = re.compile(r"^[A-Z0-9]{1,20}$")


def normalise_pupil_id(value: str) -> str:
    """Trimmed, upper-cased, inner spaces removed."""
    return "".join((value or "").split()).upper()


def upn_check_letter(body: str) -> str:
    """Check letter for the 12 characters after it (positions 2-13, weights 2..13).

    A temporary UPN's final letter counts with its value in the same table.
    """
    total = 0
    for weight, char in enumerate(body, start=2):
        total += weight * (int(char) if char.isdigit() else UPN_LETTERS.index(char))
    return UPN_LETTERS[total % 23]


def upn_error(upn: str) -> str | None:
    """None for a valid UPN or temporary UPN, else the rule it breaks."""
    if len(upn) != 13:
        return f"A UPN has 13 characters; this has {len(upn)}."
    head, digits, last = upn[0], upn[1:12], upn[12]
    if head not in UPN_LETTERS:
        return "A UPN starts with a check letter (A-Z, not I, O or S)."
    if not digits.isdigit():
        return "Characters 2 to 12 of a UPN must be digits."
    if not (last.isdigit() or last in UPN_LETTERS):
        return (
            "The last character must be a digit, or a letter (not I, O or S) for a temporary UPN."
        )
    if upn_check_letter(upn[1:]) != head:
        return "The check letter does not match the rest of the UPN; check for a typing mistake."
    return None


def pupil_id_error(pupil_id: str, scheme: str) -> str | None:
    if scheme == "england":
        return upn_error(pupil_id)
    if not OTHER_ID_RE.match(pupil_id):
        return "A pupil ID is 1 to 20 letters and digits."
    return None


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def normalise_name(value: str) -> str:
    """NFKC, unify apostrophes, casefold, trim and collapse inner spaces."""
    text = unicodedata.normalize("NFKC", value or "").translate(_APOSTROPHES).casefold()
    return " ".join(text.split())


def match_parts(first_name: str, surname: str, dob: date, pupil_id: str) -> tuple[str, ...]:
    return (
        normalise_name(first_name),
        normalise_name(surname),
        dob.isoformat(),
        normalise_pupil_id(pupil_id),
    )


def match_key(first_name: str, surname: str, dob: date, pupil_id: str) -> str:
    """The four normalised parts joined by a separator no name contains."""
    return "\x1f".join(match_parts(first_name, surname, dob, pupil_id))


def search_text(value: str) -> str:
    """For search: accents dropped (NFKD, marks removed), apostrophes unified, case-folded,
    spaces collapsed, so "sean" finds "Seán" and "o'neill" finds it typed with a curly
    apostrophe."""
    text = unicodedata.normalize("NFKD", value or "").translate(_APOSTROPHES)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.split())
