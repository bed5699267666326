"""An SMTP sink in its own process (`python -m bench.smtp_sink PORT`): accepts and drops."""

import sys
import time


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


if __name__ == "__main__":
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()
