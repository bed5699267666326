"""`manage.py demo_otp`: the current second-factor code of the demo accounts."""

from typing import Any

import pyotp
from django.core.management.base import BaseCommand

from pupilhub.demo import builder as demo
from pupilhub.demo.builder import refuse_in_production


class Command(BaseCommand):
    help = "Print the current 6-digit code for the demo accounts' shared authenticator secret."

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production()
        totp = pyotp.TOTP(demo.DEMO_TOTP_SECRET)
        self.stdout.write(totp.now())
