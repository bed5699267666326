"""The one safeguarding-visibility rule, for every surface that could reveal a record exists.

Safeguarding leads and the Main School Admin see safeguarding records; for everyone else
there is no trace of them: not in lists, counts, timelines, transfer requests, audit
events, exports, notifications or search. Each kind of row says whether it reveals a
safeguarding record with one boolean column (`AuditEvent.safeguarding`,
`TransferRequest.includes_safeguarding`); document types say it with `DocType.safeguarding`;
transfer counts and document-type lists use the key below.
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db.models import QuerySet

from .access import SchoolAccess

SAFEGUARDING_KEY = "safeguarding_issues"  # its key in transfer document types and counts

Q = TypeVar("Q", bound=QuerySet[Any])
V = TypeVar("V")


def sees_safeguarding(access: SchoolAccess) -> bool:
    return access.can_see_safeguarding


def rows(access: SchoolAccess, qs: Q, flag: str) -> Q:
    """The rows this viewer may know exist: `flag` names the row's safeguarding column."""
    return qs if sees_safeguarding(access) else qs.filter(**{flag: False})


def keys(access: SchoolAccess, names: Iterable[str]) -> list[str]:
    """Transfer document-type keys without safeguarding for those who may not see it."""
    return [n for n in names if n != SAFEGUARDING_KEY or sees_safeguarding(access)]


def counts(access: SchoolAccess, by_key: Mapping[str, V]) -> dict[str, V]:
    allowed = set(keys(access, by_key))
    return {k: v for k, v in by_key.items() if k in allowed}
