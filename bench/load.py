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
SETUP = f"the Procfile's gunicorn: {WORKERS} sync workers"
CORES = os.cpu_count() or 1
# With 4 cores or more the load client gets a core of its own (it would otherwise take
# the server's CPU and lower every figure, floors included); with fewer they share.
CLIENT_CORES = {CORES - 1} if CORES >= 4 else None
SERVER_CORES = set(range(CORES - 1)) if CORES >= 4 else None


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
def gunicorn(database_url: str, workers: int = WORKERS) -> Iterator[int]:
    """Run the Procfile's web process (config/gunicorn.py: sync workers, the access log)
    on a free port against `database_url`."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="bench.settings")
    env.update(PUPILHUB_ENV="development", DEBUG="0", LOG_LEVEL="WARNING", CONN_MAX_AGE="600")
    env.update(HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY=str(workers))
    if redis_url():
        env["REDIS_URL"] = redis_url()  # caches and sessions as in production
        bench_db = redis_url().rsplit("/", 1)[1]  # every use in the bench's own database
        env.update(REDIS_BROKER_DB=bench_db, REDIS_RESULTS_DB=bench_db, REDIS_CACHE_DB=bench_db)

    def pin() -> None:
        if SERVER_CORES:
            os.sched_setaffinity(0, SERVER_CORES)

    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the access log, written as in production, not read
        preexec_fn=pin,
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
    port: int,
    targets: list[tuple[str, str]],
    clients: int = 20,
    seconds: float = 3.0,
    start: int = 0,
) -> tuple[float, int]:
    """Requests per second that `clients` connections get, each request taking the next
    (path, cookie) pair from `targets` from `start` on (many sessions and many links, so
    caches are as cold as in production, where each family opens its own child's page),
    and where the next round should start (rounds never reopen the same pages)."""
    counts = [0] * clients
    failures: list[str] = []
    stop = time.monotonic() + seconds
    cursor = [start]
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
    return sum(counts) / (time.monotonic() - started), cursor[0]


def _client_process() -> None:
    if CLIENT_CORES:
        os.sched_setaffinity(0, CLIENT_CORES)


def compare(
    port: int,
    a: list[tuple[str, str]],
    b: list[tuple[str, str]],
    rounds: int = 5,
    seconds: float = 3.0,
) -> tuple[list[float], list[float]]:
    """Rates for two target lists in alternating rounds (the machine is shared: drift in
    its load then favours neither), driven from a process of its own. One short warm-up of
    each first (workers start); each list's rounds go on where the last stopped, so a
    round never re-reads pages the one before warmed."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, initializer=_client_process) as pool:
        pool.submit(hammer, port, a[:20], 20, 1.0).result()
        pool.submit(hammer, port, b[:20], 20, 1.0).result()
        rates_a, rates_b = [], []
        at_a, at_b = 20, 20
        for _ in range(rounds):
            rate, at_a = pool.submit(hammer, port, a, 20, seconds, at_a).result()
            rates_a.append(rate)
            rate, at_b = pool.submit(hammer, port, b, 20, seconds, at_b).result()
            rates_b.append(rate)
    return rates_a, rates_b
