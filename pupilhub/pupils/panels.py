"""Sections other apps add to the pupil page (documents, transition, gateway).

Each returns None when it has nothing this viewer may see.
"""

from collections.abc import Callable
from typing import Any

from pupilhub.schools.access import SchoolAccess

from .models import Pupil

PupilPanel = Callable[[SchoolAccess, Pupil], dict[str, Any] | None]
PANELS: list[PupilPanel] = []


def register(panel: PupilPanel) -> PupilPanel:
    PANELS.append(panel)
    return panel


def pupil_panels(access: SchoolAccess, pupil: Pupil) -> list[dict[str, Any]]:
    return [p for p in (panel(access, pupil) for panel in PANELS) if p]
