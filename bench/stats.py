"""Figures as a table: min / median / max of at least five runs, a floor measured in the
same run beside each, and the ratio of the medians against its target."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RUNS = 5


@dataclass
class Row:
    name: str
    unit: str  # "ms", "s", "req/s", "msg/s", "pages/s", "MB"
    runs: list[float]
    floor_name: str = ""
    floor_runs: list[float] = field(default_factory=list)
    target: str = ""
    ok: bool | None = None
    higher_is_better: bool = False
    failed: str = ""  # the part raised: its row says so, and the rest of the table prints

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else 0.0

    @property
    def ratio(self) -> float | None:
        if not self.floor_runs:
            return None
        return self.median / statistics.median(self.floor_runs)


ROWS: list[Row] = []


def timed(fn: Callable[[], Any], runs: int = RUNS, warm: bool = True) -> list[float]:
    """Seconds for each of `runs` calls (after one warm-up call unless warm=False)."""
    if warm:
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def add(row: Row) -> Row:
    ROWS.append(row)
    verdict = "" if row.ok is None else ("ok" if row.ok else "MISSED")
    print(f"  {row.name}: median {fmt(row.median, row.unit)} {verdict}", flush=True)
    return row


def guarded(name: str, part: Callable[[], Any]) -> None:
    """Run one part of the bench; if it fails, its row says FAILED (with the error's type)
    and the others still run and print."""
    try:
        part()
    except Exception as exc:
        import traceback

        traceback.print_exc()
        ROWS.append(Row(name=name, unit="ms", runs=[], failed=type(exc).__name__))
        print(f"  {name}: FAILED ({type(exc).__name__})", flush=True)


def fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value * 1000:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:,.0f} {unit}"


def table() -> str:
    head = ("measure", "min", "median", "max", "floor (median)", "ratio", "target", "")
    lines = [head]
    for r in ROWS:
        if r.failed:
            lines.append((r.name, "-", "-", "-", "", "", "", f"FAILED ({r.failed})"))
            continue
        floor = ""
        if r.floor_runs:
            floor = f"{r.floor_name} {fmt(statistics.median(r.floor_runs), r.unit)}"
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        verdict = "" if r.ok is None else ("ok" if r.ok else "MISSED")
        lines.append(
            (
                r.name,
                fmt(min(r.runs), r.unit),
                fmt(r.median, r.unit),
                fmt(max(r.runs), r.unit),
                floor,
                ratio,
                r.target,
                verdict,
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        out.append(" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)
