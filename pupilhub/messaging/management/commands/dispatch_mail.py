"""`manage.py dispatch_mail`: run one dispatch cycle now."""

from typing import Any

from django.core.management.base import BaseCommand

from pupilhub.messaging import dispatch


class Command(BaseCommand):
    help = "Send queued mass email now (the scheduler does this every 10 minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = dispatch.dispatch()
        self.stdout.write(
            f"sent {result['sent']}, failed {result['failed']}, to retry {result['retrying']}"
        )
