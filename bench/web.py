"""Pages at 200 schools: under 20 concurrent clients against the bare views (gunicorn,
cold sessions and links), and server time for the provision map and external users."""

import random
import re
from typing import Any

from django.db import connection
from django.test import Client

from . import stats
from .load import SETUP, compare, gunicorn
from .world import World, sessions_for


def under_load(world: World, database_url: str) -> None:
    rng = random.Random(3)
    staff_cookies = sessions_for(world.staff)  # 200 people, one session each
    pupil_list = [
        (f"/schools/{s.id}/pupils/", c) for s, c in zip(world.schools, staff_cookies, strict=True)
    ]
    bare_list = [(f"/bench/bare/{s.id}/", "") for s in world.schools]
    links = rng.sample(world.links, min(3000, len(world.links)))
    family_cookies = sessions_for([link.user for link in links])
    parent = [(f"/my/pupils/{link.id}/", c) for link, c in zip(links, family_cookies, strict=True)]
    bare_parent = [(f"/bench/bare-parent/{link.id}/", "") for link in links]
    with gunicorn(database_url) as port:
        bare, ours = compare(port, bare_list, pupil_list)
        row = stats.add(
            stats.Row(
                f"pupil list, 20 clients, 200 sessions ({SETUP})",
                "req/s",
                ours,
                "bare school-filtered view",
                bare,
                target=">= 0.5 of floor",
                higher_is_better=True,
            )
        )
        row.ok = row.ratio is not None and row.ratio >= 0.5
        bare, ours = compare(port, bare_parent, parent)
        row = stats.add(
            stats.Row(
                f"parent's pupil page, 20 clients, {len(links):,} links",
                "req/s",
                ours,
                "bare link page",
                bare,
                target=">= 0.5 of floor",
                higher_is_better=True,
            )
        )
        row.ok = row.ratio is not None and row.ratio >= 0.5


def _server_times(client: Client, urls: list[str]) -> list[float]:
    """One request to each url (a different school each time: no warm cache to lean on)."""
    import time

    out = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        out.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return out


def pages_at_scale(world: World) -> None:
    picks = list(range(1, len(world.schools), len(world.schools) // 7))[:7]
    for name, users, path in (
        ("provision map", world.staff, "provision-map/"),
        ("external users page", world.admins, "gateway/users/"),
    ):
        warm = Client()
        warm.force_login(users[0])
        warm.get(f"/schools/{world.schools[0].id}/{path}")  # templates and code paths, not data
        runs = []
        for i in picks:
            client = Client()
            client.force_login(users[i])
            runs += _server_times(client, [f"/schools/{world.schools[i].id}/{path}"])
        row = stats.add(
            stats.Row(
                f"{name}, 200 schools in the database",
                "ms",
                runs,
                target="< 50 ms",
            )
        )
        row.ok = row.median < 0.050
    if connection.vendor == "postgresql":
        plan_check(world)


def plan_check(world: World) -> None:
    """The provision map's and external users' plans use the school indexes."""
    from pupilhub.documents.models import Provision
    from pupilhub.gateway.school_access import external_users

    school = world.schools[len(world.schools) // 2]
    queries: list[tuple[str, Any]] = [
        (
            "provision map",
            Provision.objects.filter(
                school=school, deleted_at__isnull=True, pupil__school=school
            ).values("pupil__year_group", "area_of_need"),
        ),
        ("external users", external_users(school)[:50]),
    ]
    for name, qs in queries:
        plan = qs.explain()
        seq = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))
        print(f"  plan for {name}: sequential scans on {seq or 'no table'}")
