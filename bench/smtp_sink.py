"""An SMTP sink in its own process (`python -m bench.smtp_sink PORT [LATENCY_MS]`): accepts
and drops, answering each message after LATENCY_MS (0 by default; a real relay takes about
10 ms a reply, which decides how many messages one connection carries a second)."""

import asyncio
import sys
import time


class Sink:
    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency

    async def handle_DATA(self, server, session, envelope):
        if self.latency:
            await asyncio.sleep(self.latency)
        return "250 OK"


if __name__ == "__main__":
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    latency = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0
    controller = Controller(Sink(latency), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()
