"""What the SEN cycle adds to other pages: a plan's reviews and chart, the dashboard's
due list and shortfalls for those who run the cycle, the EHC plan link on a pupil page."""

from typing import Any

from django.utils import timezone

from pupilhub.documents.panels import register_detail
from pupilhub.pupils.models import Pupil
from pupilhub.pupils.panels import register as register_pupil_panel
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.dashboard import register

from . import cycle
from .access import interventions, reviews_of, runs_cycle, unheard_comments


@register_detail("plan")
def plan_reviews(request: Any, access: SchoolAccess, plan: Any) -> dict[str, Any]:
    reviews = list(reviews_of(plan))
    labels = [f"{r.date:%-d %b %Y}" for r in reviews]
    series = [{"name": "Mean score", "points": [r.mean_score for r in reviews]}]
    for i, target in enumerate(plan.targets or []):
        by_review = [{s.target: s.score for s in r.scores.all()}.get(i) for r in reviews]
        series.append(
            {"name": f"Target {i + 1}: {target.get('description', '')[:40]}", "points": by_review}
        )
    return {
        "template": "sen/plan_reviews.html",
        "reviews": reviews,
        "series": series,
        "chart_labels": labels,
        "comments": list(unheard_comments(plan)),
        "runs": runs_cycle(access) and plan.status != "closed" and plan.pupil.status == "active",
    }


@register
def sen_cycle_panel(access: SchoolAccess) -> dict[str, Any] | None:
    """For admins and SENCos: what falls due in 14 days (overdue in red), and groups whose
    pupils have had fewer sessions than planned."""
    if not runs_cycle(access):
        return None
    today = timezone.localdate()
    due = cycle.due(access, 14, today, plan_reviews=False)  # reviews: their own panel
    short = []
    for group in interventions(access).filter(start_date__lte=today, end_date__gte=today)[:20]:
        data = cycle.intervention_out(group, today)
        behind = sum(p["shortfall"] for p in data["attendance"])
        if behind:
            short.append({"id": group.pk, "name": group.name, "behind": behind})
    return {"template": "sen/panel_dashboard.html", "due": due[:30], "short": short}


@register_pupil_panel
def ehcp_link(access: SchoolAccess, pupil: Pupil) -> dict[str, Any] | None:
    if pupil.sen_status != "E" or not runs_cycle(access):
        return None
    return {"template": "sen/panel_pupil.html"}
