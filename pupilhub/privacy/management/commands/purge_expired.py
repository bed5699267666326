"""`manage.py purge_expired`: run the daily retention job now and print its counts."""

from typing import Any

from django.core.management.base import BaseCommand

from pupilhub.privacy import purge


class Command(BaseCommand):
    help = "Purge what each school's retention policy says is past keeping (counts only)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = purge.purge_all()
        if not counts:
            self.stdout.write("Nothing to purge.")
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n}")
