"""The body-map outline, one shape for the page (inline SVG) and the PDF (ReportLab).

Coordinates are in a 100 x 200 box; a mark's x and y (0..1 across and down) scale to it.
"""

from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Polygon, String
from reportlab.lib import colors

from pupilhub.core.pdf import FONT, FONT_BOLD

WIDTH, HEIGHT = 100, 200
HEAD = (50, 20, 14)  # cx, cy, r
OUTLINE = [
    (44, 34), (56, 34), (78, 42), (90, 100), (84, 104), (72, 58), (70, 110), (66, 192),
    (53, 192), (50, 122), (47, 192), (34, 192), (30, 110), (28, 58), (16, 104), (10, 100),
    (22, 42),
]  # fmt: skip
SVG_POINTS = " ".join(f"{x},{y}" for x, y in OUTLINE)
MARK_RED = "#b10e1e"


def numbered(marks: list[Any]) -> list[dict[str, Any]]:
    """Marks (rows or dicts) with their number, as the notes list them, and their place in
    the box."""
    out = []
    for i, mark in enumerate(marks, start=1):
        m = mark if isinstance(mark, dict) else vars(mark)
        out.append(
            {
                "n": i,
                "view": m["view"],
                "x": m["x"],
                "y": m["y"],
                "note": m["note"],
                "cx": round(m["x"] * WIDTH, 2),
                "cy": round(m["y"] * HEIGHT, 2),
            }
        )
    return out


def _figure(drawing: Drawing, left: float, scale: float, label: str) -> None:
    top = HEIGHT * scale  # ReportLab's y runs upwards

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * scale, top - y * scale

    points = [c for x, y in OUTLINE for c in at(x, y)]
    grey = colors.HexColor("#555555")
    drawing.add(Polygon(points, strokeColor=grey, fillColor=None, strokeWidth=1))
    cx, cy = at(HEAD[0], HEAD[1])
    drawing.add(Circle(cx, cy, HEAD[2] * scale, strokeColor=grey, fillColor=None))
    drawing.add(String(left + 50 * scale, -12, label, fontName=FONT_BOLD, fontSize=9,
                       textAnchor="middle"))  # fmt: skip


def drawing(marks: list[Any], scale: float = 0.9) -> Drawing:
    """Front and back side by side, each mark a numbered red dot."""
    gap = 30
    result = Drawing(2 * WIDTH * scale + gap, HEIGHT * scale + 16)
    result.translate(0, 14)
    for index, view in enumerate(("front", "back")):
        left = index * (WIDTH * scale + gap)
        _figure(result, left, scale, "Front" if view == "front" else "Back")
        for mark in numbered(marks):
            if mark["view"] != view:
                continue
            x, y = left + mark["cx"] * scale, HEIGHT * scale - mark["cy"] * scale
            red = colors.HexColor(MARK_RED)
            result.add(Circle(x, y, 5, fillColor=red, strokeColor=red))
            result.add(String(x, y - 3, str(mark["n"]), fontName=FONT, fontSize=7,
                              fillColor=colors.white, textAnchor="middle"))  # fmt: skip
    return result
