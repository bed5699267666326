"""Which pupils two schools share, and the near misses admins should fix.

A pupil matches when first name, surname, date of birth and pupil ID are equal
after normalisation (Pupil.match_key: NFKC, case-folded, trimmed, apostrophes
unified), whether active or archived on either side. A near miss is equal on
three of the four parts; it is listed so the data can be corrected, and never
transfers.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from pupilhub.pupils.identity import normalise_pupil_id
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School

FIELDS = ("first_name", "surname", "date_of_birth", "pupil_id")
SEP = "\x1f"


@dataclass
class Matches:
    exact: dict[Any, Pupil] = field(default_factory=dict)  # my pupil id -> partner pupil
    near: dict[Any, list[tuple[Pupil, str]]] = field(default_factory=dict)  # -> [(pupil, differs)]
    mine: dict[Any, Pupil] = field(default_factory=dict)


def _roll(school: School, ids: Any = None) -> list[Pupil]:
    qs = _roll_query(school)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("surname", "first_name", "id"))


def _roll_query(school: School) -> QuerySet[Pupil]:
    return Pupil.objects.filter(school=school).only(
        "id",
        "school_id",
        "first_name",
        "surname",
        "date_of_birth",
        "pupil_id",
        "status",
        "year_group",
        "tutor_group",
        "match_key",
        "match_name",
    )


BY_INDEX_UP_TO = 2000  # my pupils: fewer are matched by index; more, against the roll


def _candidates(partner: School, mine: list[Pupil]) -> list[Pupil]:
    """The partner's pupils that can match or nearly match mine, by index whatever the
    partner's roll: a near miss differing in a name or the date of birth shares the pupil
    ID; one differing in the pupil ID shares both names and the date of birth."""
    ids = {p.pupil_id for p in mine} | {normalise_pupil_id(p.pupil_id) for p in mine}
    wanted = (
        Q(match_key__in=[p.match_key for p in mine])
        | Q(pupil_id__in=ids)
        | Q(
            match_name__in={p.match_name for p in mine},
            date_of_birth__in={p.date_of_birth for p in mine},
        )
    )
    return list(_roll_query(partner).filter(wanted).order_by("surname", "first_name", "id"))


def match(mine: School, partner: School, ids: Any = None) -> Matches:
    """Match my pupils (or just `ids` of them) against the partner's pupils: a few by index
    (one pupil costs the same from a school of 250 or of 8,000), many against the roll."""
    result = Matches()
    my_pupils = _roll(mine, ids)
    result.mine = {p.id: p for p in my_pupils}
    if ids is not None and len(my_pupils) <= BY_INDEX_UP_TO:
        theirs = _candidates(partner, my_pupils)
    else:
        theirs = _roll(partner)
    by_key = {p.match_key: p for p in theirs}
    matched_theirs = set()
    for p in my_pupils:
        other = by_key.get(p.match_key)
        if other is not None:
            result.exact[p.id] = other
            matched_theirs.add(other.id)
    # Near misses: index the partner's unmatched pupils by each three-of-four key.
    index: dict[tuple[int, tuple[str, ...]], list[Pupil]] = {}
    for other in theirs:
        if other.id in matched_theirs:
            continue
        parts = other.match_key.split(SEP)
        for skip in range(4):
            index.setdefault((skip, tuple(parts[:skip] + parts[skip + 1 :])), []).append(other)
    for p in my_pupils:
        if p.id in result.exact:
            continue
        parts = p.match_key.split(SEP)
        for skip in range(4):
            for other in index.get((skip, tuple(parts[:skip] + parts[skip + 1 :])), []):
                result.near.setdefault(p.id, []).append((other, FIELDS[skip]))
    return result


def shared(mine: School, partner: School) -> QuerySet[Pupil]:
    """My pupils that match one at the partner, in name order: a join on the match key
    done by the database (index on school and match key), so it pages like any list."""
    keys = Pupil.objects.filter(school=partner).values("match_key")
    return Pupil.objects.filter(school=mine, match_key__in=keys).order_by(
        "surname", "first_name", "id"
    )


def counterparts(pupils: list[Pupil], partner: School) -> dict[str, Pupil]:
    """The partner's pupil for each of `pupils` (a page of `shared`), by match key."""
    keys = [p.match_key for p in pupils]
    found = Pupil.objects.filter(school=partner, match_key__in=keys).only(
        "id", "school_id", "first_name", "surname", "status", "match_key"
    )
    return {p.match_key: p for p in found}


NEAR_FIELDS = (
    "id",
    "first_name",
    "surname",
    "pupil_id",
    "date_of_birth",
    "year_group",
    "status",
    "match_key",
)


def near_misses(
    mine: School, partner: School, limit: int = 100
) -> tuple[list[tuple[dict[str, Any], dict[str, Any], str]], int]:
    """Pairs equal on three of the four parts (mine, theirs, which part differs), at most
    `limit` of them, and how many there are. Rows are plain values, not models."""
    theirs = list(Pupil.objects.filter(school=partner).values(*NEAR_FIELDS))
    their_keys = {row["match_key"] for row in theirs}
    my_rows = Pupil.objects.filter(school=mine).exclude(match_key__in=their_keys)
    my_keys = set(Pupil.objects.filter(school=mine).values_list("match_key", flat=True))
    index: dict[tuple[int, tuple[str, ...]], list[dict[str, Any]]] = {}
    for other in theirs:
        if other["match_key"] in my_keys:
            continue
        parts = other["match_key"].split(SEP)
        for skip in range(4):
            index.setdefault((skip, tuple(parts[:skip] + parts[skip + 1 :])), []).append(other)
    pairs: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    total = 0
    for row in my_rows.order_by("surname", "first_name", "id").values(*NEAR_FIELDS):
        parts = row["match_key"].split(SEP)
        for skip in range(4):
            for other in index.get((skip, tuple(parts[:skip] + parts[skip + 1 :])), []):
                total += 1
                if len(pairs) < limit:
                    pairs.append((row, other, FIELDS[skip]))
    return pairs, total
