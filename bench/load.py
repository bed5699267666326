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


def redis_url() -> str:
    """A Redis database of the bench's own (never the one tests or a dev server use), when
    a server answers on 127.0.0.1:6379; else the per-process cache."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
    except OSError:
        return ""
    return url


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int = WORKERS, threads: int = THREADS) -> Iterator[int]:
    """Run gunicorn (gthread workers) on a free port against `database_url`."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="bench.settings")
    env.update(PUPILHUB_ENV="development", DEBUG="0", LOG_LEVEL="WARNING", CONN_MAX_AGE="600")
    if redis_url():
        env["REDIS_URL"] = redis_url()  # caches and sessions as in production
        bench_db = redis_url().rsplit("/", 1)[1]  # every use in the bench's own database
        env.update(REDIS_BROKER_DB=bench_db, REDIS_RESULTS_DB=bench_db, REDIS_CACHE_DB=bench_db)
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
    port: int, targets: list[tuple[str, str]], clients: int = 20, seconds: float = 3.0
) -> float:
    """Requests per second that `clients` keep-alive connections get, each request taking
    the next (path, cookie) pair from `targets`: many sessions and many links, so caches
    are as cold as in production where each family opens its own child's page."""
    counts = [0] * clients
    failures: list[str] = []
    stop = time.monotonic() + seconds
    cursor = [0]
    lock = threading.Lock()

    def take() -> tuple[str, str]:
        with lock:
            cursor[0] += 1
            return targets[cursor[0] % len(targets)]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            path, cookie = take()
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: HTTP {response.status}")
                return
            counts[i] += 1
        conn.close()

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
    port: int,
    a: list[tuple[str, str]],
    b: list[tuple[str, str]],
    rounds: int = 5,
    seconds: float = 3.0,
) -> tuple[list[float], list[float]]:
    """Rates for two target lists in alternating rounds (the machine is shared: drift in
    its load then favours neither). One short warm-up of each first: workers start."""
    hammer(port, a[:20], seconds=1.0)
    hammer(port, b[:20], seconds=1.0)
    rates_a, rates_b = [], []
    for _ in range(rounds):
        rates_a.append(hammer(port, a, seconds=seconds))
        rates_b.append(hammer(port, b, seconds=seconds))
    return rates_a, rates_b
