"""Reading the audit log: the school's events that this viewer may see, filtered for breach
scoping (who saw what, when), as a list or a CSV file."""

import io
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from pupilhub.core.downloads import attach
from pupilhub.core.errors import Invalid
from pupilhub.core.models import AuditEvent
from pupilhub.core.sheets import SafeWriter

from . import visibility
from .access import SchoolAccess

COLUMNS = ("at", "actor", "action", "object_type", "object_id", "pupil")
FORMATS = ("json", "csv")


@dataclass(frozen=True)
class Filters:
    pupil: str = ""
    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    format: str = "json"

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for the page's CSV link and pagination)."""
        out = {"pupil": self.pupil, "actor": self.actor, "action": self.action}
        out["since"] = self.since.isoformat() if self.since else ""
        out["until"] = self.until.isoformat() if self.until else ""
        return {k: v for k, v in out.items() if v}


def _moment(name: str, raw: str, *, end: bool) -> datetime | None:
    """A date (the whole day: from its start, or up to its end) or an ISO 8601 datetime."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        when = parse_datetime(raw)
        day = None if when else parse_date(raw)
    except ValueError:
        when = day = None
    if day is not None:
        when = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    if when is None:
        raise Invalid(
            "Dates must be YYYY-MM-DD or an ISO 8601 date and time.",
            fields={name: ["Use YYYY-MM-DD or an ISO 8601 date and time."]},
        )
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def parse(params: Mapping[str, str]) -> Filters:
    """Query parameters to filters; anything malformed is a 400 naming the field."""
    pupil = (params.get("pupil") or "").strip()
    if pupil:
        try:
            pupil = str(uuid.UUID(pupil))
        except ValueError:
            raise Invalid("Unknown pupil id.", fields={"pupil": ["Not a pupil id."]}) from None
    fmt = (params.get("format") or "json").strip().lower()
    if fmt not in FORMATS:
        raise Invalid("Choose json or csv.", fields={"format": ["Choose json or csv."]})
    found = Filters(
        pupil=pupil,
        actor=(params.get("actor") or "").strip()[:254],
        action=(params.get("action") or "").strip()[:64],
        since=_moment("since", params.get("since") or "", end=False),
        until=_moment("until", params.get("until") or "", end=True),
        format=fmt,
    )
    if found.since and found.until and found.since >= found.until:
        raise Invalid("`since` must come before `until`.", fields={"since": ["After `until`."]})
    return found


def _actor(actor: str) -> Q:
    """`external:<id>`, `system`, `platform operator`, `api_key:<name>`, a user id, or a
    staff member's address. An external user is never found by address, only by id."""
    low = actor.lower()
    if low == "system":
        return Q(actor__isnull=True) | Q(actor_kind="system")
    if low == "platform operator":
        return Q(actor_kind="operator")
    if low.startswith("api_key:"):
        return Q(actor_kind="api_key", actor__surname=actor.split(":", 1)[1])
    kind = ""
    if low.startswith("external:"):
        kind, actor = "external", actor.split(":", 1)[1]
    try:
        found = Q(actor_id=uuid.UUID(actor))
    except ValueError:
        return Q(actor_kind="staff", actor__email__iexact=actor) if not kind else Q(pk=None)
    return found & Q(actor_kind=kind) if kind else found


ORDER = ("-at", "-id")  # newest first; the id breaks ties (a keyset page's cursor)


def events(
    access: SchoolAccess, filters: Filters | None = None, *, action: str = ""
) -> QuerySet[AuditEvent]:
    """Admins only. Events about safeguarding records follow the visibility rule; actors are
    named by `AuditEvent.actor_label` (an external user only as external:<id>)."""
    access.require_admin("Only school admins can read the audit log.")
    filters = filters or Filters(action=action)
    return selection(access.school, filters, visibility.sees_safeguarding(access))


def selection(school: Any, filters: Filters, with_safeguarding: bool) -> QuerySet[AuditEvent]:
    """The school's events the filters choose, newest first; safeguarding events only
    `with_safeguarding` (a background export keeps its requester's standing)."""
    found = AuditEvent.objects.filter(school=school).select_related("actor")
    if filters.pupil:
        found = found.filter(pupil=filters.pupil)
    if filters.actor:
        found = found.filter(_actor(filters.actor))
    if filters.action:
        found = found.filter(action__startswith=filters.action)
    if filters.since:
        found = found.filter(at__gte=filters.since)
    if filters.until:
        found = found.filter(at__lt=filters.until)
    if not with_safeguarding:
        found = found.filter(safeguarding=False)
    return found.order_by(*ORDER)


def row(event: AuditEvent) -> dict[str, Any]:
    """One event as the API and the CSV file show it: never an external user's address."""
    return {
        "at": event.at,
        "actor": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "pupil": event.pupil or None,
    }


def csv_lines(found: QuerySet[AuditEvent]) -> Iterator[str]:
    """The CSV file, a line at a time (a breach search can cover years of events)."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(COLUMNS)
    yield "\ufeff" + out.getvalue()  # a BOM, so Excel reads UTF-8
    for event in found.iterator(chunk_size=2000):
        out.seek(0)
        out.truncate()
        r = row(event)
        writer.writerow([r["at"].isoformat(), *(r[c] or "" for c in COLUMNS[1:])])
        yield out.getvalue()


def csv_response(found: QuerySet[AuditEvent]) -> StreamingHttpResponse:
    """The selection as a CSV download (pages and API alike)."""
    response = StreamingHttpResponse(csv_lines(found), content_type="text/csv; charset=utf-8")
    attach(response, f"audit-events-{timezone.localdate():%Y-%m-%d}.csv")
    return response
