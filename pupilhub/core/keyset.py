"""Keyset pages: the next page starts after the last row's values in the list's order (an
index range however deep the page), carried in an opaque cursor. Used by the API's lists
and the pages whose lists grow without end (the audit log)."""

import base64
import json
from typing import Any

from django.db.models import Q

from .errors import Invalid


def keyset_page(
    items: Any, order: tuple[str, ...], last: Any, size: int
) -> tuple[list[Any], list[str] | None]:
    """Up to `size` rows after `last` (None: from the start), and the cursor values of the
    page's last row when more follow. `order` ends in a unique field; none is nullable."""
    qs = items.order_by(*order)
    if last is not None:
        if not isinstance(last, list) or len(last) != len(order):
            raise bad_cursor()
        qs = qs.filter(after(order, last))
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    end = rows[-1]
    return rows, [cursor_value(getattr(end, name.lstrip("-"))) for name in order]


def after(order: tuple[str, ...], last: list[Any]) -> Q:
    """Rows strictly after `last` in `order`: (a > x) or (a = x and b > y) or ..., with
    a >= x stated first: a bound the index range starts from (an OR alone made SQLite walk
    the index from the top, so a deep page cost more than the first)."""
    condition = Q(pk__in=[])
    equal = Q()
    for name, value in zip(order, last, strict=True):
        field = name.lstrip("-")
        step = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field}__{step}": value})
        equal &= Q(**{field: value})
    first = order[0].lstrip("-")
    bound = Q(**{f"{first}__{'lte' if order[0].startswith('-') else 'gte'}": last[0]})
    return bound & condition


def cursor_value(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def write_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str) -> dict[str, Any]:
    try:
        if len(cursor) > 2000:
            raise ValueError
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise bad_cursor() from None
    if not isinstance(state, dict):
        raise bad_cursor()
    return state


def bad_cursor() -> Invalid:
    message = "This cursor is not one a `next` link gave: start again from the first page."
    return Invalid(message, fields={"cursor": [message]})
