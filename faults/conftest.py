"""The fault suite's shared pieces: an SMTP sink that counts each Message-ID, and a way to
run pupilhub in another process against the test database (so it can be killed)."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]

if not os.environ.get("FAULTS_WORK"):
    pytest.skip(
        "the fault suite runs with make faults (its own PostgreSQL and Redis)",
        allow_module_level=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """An SMTP relay that counts what it accepted, by Message-ID; it can be slow before each
    recipient, and can kill a process when the Nth message is about to be sent."""

    def __init__(self, rcpt_delay: float = 0.0) -> None:
        self.accepted: Counter[str] = Counter()
        self.rcpt_delay = rcpt_delay
        self.kill_at: tuple[int, int] | None = None  # (message number, pid)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.kill_at and sum(self.accepted.values()) + 1 >= self.kill_at[0]:
            os.kill(self.kill_at[1], signal.SIGKILL)  # mid-batch, before this message goes
            self.kill_at = None
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.accepted[line.split(":", 1)[1].strip()] += 1
        return "250 OK"

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.accepted.values() if n > 1)


@pytest.fixture
def relay(settings: Any) -> Any:
    handler = Relay()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


def child_env(port: int | None = None) -> dict[str, str]:
    """The environment of a pupilhub process sharing this test's database."""
    from django.db import connection

    env = dict(os.environ)
    name = connection.settings_dict["NAME"]
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{os.environ['FAULTS_PG_PORT']}/{name}"
    env["PUPILHUB_ENV"] = "test"
    if port:
        env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
    return env


def spawn(args: list[str], port: int | None = None, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**child_env(port), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(check: Any, seconds: float = 60.0, step: float = 0.1) -> float:
    """Seconds until check() is true (fails the test past the limit)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            pytest.fail(f"not within {seconds} s")
        time.sleep(step)
    return time.monotonic() - start


def report(name: str, **figures: Any) -> None:
    shown = ", ".join(f"{k} {v}" for k, v in figures.items())
    print(f"\nFAULT {name}: {shown}")
