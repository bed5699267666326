"""Serve the site with gunicorn and drive it with N concurrent keep-alive clients.

Used by the benchmarks that compare a real page with the bare 50-row view in the
same run, so both figures share the machine, the database and the server setup.
"""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
SETUP = f"gunicorn {WORKERS} workers x {THREADS} threads"


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int = WORKERS, threads: int = THREADS) -> Iterator[int]:
    """Run gunicorn (gthread workers) on a free port against `database_url`."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="bench.settings")
    env.update(PUPILHUB_ENV="development", DEBUG="0", LOG_LEVEL="WARNING", CONN_MAX_AGE="600")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def hammer(
    port: int, path: str, cookie: str = "", clients: int = 20, seconds: float = 5.0
) -> float:
    """Requests per second that `clients` keep-alive connections get for `path`."""
    headers = {"Cookie": cookie} if cookie else {}
    counts = [0] * clients
    failures: list[str] = []
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: HTTP {response.status}")
                return
            counts[i] += 1
        conn.close()

    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(10):
        warm.request("GET", path, headers=headers)
        warm.getresponse().read()
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(failures[0])
    return sum(counts) / (time.monotonic() - started)


def compare(
    port: int, a: tuple[str, str], b: tuple[str, str], rounds: int = 3, seconds: float = 3.0
) -> tuple[float, float]:
    """Rates for two (path, cookie) pairs measured in alternating rounds; the median of
    each, so drift in the machine's load (it is shared) does not favour either."""
    import statistics

    rates_a, rates_b = [], []
    for _ in range(rounds):
        rates_a.append(hammer(port, a[0], a[1], seconds=seconds))
        rates_b.append(hammer(port, b[0], b[1], seconds=seconds))
    return statistics.median(rates_a), statistics.median(rates_b)
