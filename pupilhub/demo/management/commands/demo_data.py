"""`manage.py demo_data`: load the demo once, then print the logins."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from pupilhub.demo import builder as demo
from pupilhub.demo.builder import refuse_in_production


class Command(BaseCommand):
    help = "Load demo schools, staff, pupils and records (once) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production()
        if demo.already_built():
            self.stdout.write("Demo data already loaded.")
        else:
            self.stdout.write("Loading demo data...")
            demo.build()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {demo.PASSWORD})"))
        for email, what in demo.logins():
            self.stdout.write(f"  {email:38} {what}")
        self.stdout.write("")
        self.stdout.write(
            "Operators, admins and safeguarding leads also enter an authenticator code.\n"
            f"  Add this key to any app (time-based, 6 digits): {demo.DEMO_TOTP_SECRET}\n"
            "  or print the current code with: make otp"
        )
        notes = demo.notes_file()
        if notes.exists() and notes.read_text(encoding="utf-8").strip():
            self.stdout.write("")
            self.stdout.write(notes.read_text(encoding="utf-8").rstrip())
        self.stdout.write("")
        self.stdout.write(f"Open {settings.BASE_URL}/")
