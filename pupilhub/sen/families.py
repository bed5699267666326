"""Families' window on the SEN cycle: where the link's licence type may see the `sen`
portlet, the pupil's open plans (never drafts or confidential ones), their targets and the
latest review's scores; and their comments on a plan."""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core.errors import NotFound
from pupilhub.documents.models import Plan
from pupilhub.schools.access import parse_id

from .models import Review

SHOWN = ("active", "reviewed")


def plans(link: Any) -> QuerySet[Plan]:
    if not link.licence_type.access.get("sen"):
        return Plan.objects.none()
    return Plan.objects.filter(
        school=link.school_id,
        pupil=link.pupil_id,
        deleted_at__isnull=True,
        confidential=False,
        status__in=SHOWN,
    ).order_by("-start_date")


def plan_for(link: Any, plan_id: Any) -> Plan:
    found = plans(link).filter(pk=parse_id(plan_id)).first()
    if found is None:
        raise NotFound()
    return found


def plans_out(link: Any) -> list[dict[str, Any]]:
    found = list(plans(link))
    latest: dict[Any, Review] = {}
    for review in (
        Review.objects.filter(plan__in=found)
        .order_by("-date", "-created_at")
        .prefetch_related("scores")
    ):
        latest.setdefault(review.plan_id, review)
    out = []
    for plan in found:
        review = latest.get(plan.pk)
        scores = {s.target: s.score for s in review.scores.all()} if review else {}
        out.append(
            {
                "id": plan.pk,
                "title": plan.title,
                "review_date": plan.review_date,
                "targets": [
                    {**t, "index": i, "latest_score": scores.get(i)}
                    for i, t in enumerate(plan.targets or [])
                ],
                "last_reviewed": review.date if review else None,
            }
        )
    return out
