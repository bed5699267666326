"""`manage.py createoperator --email E --password P`: non-interactive."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from pupilhub.accounts.models import User
from pupilhub.accounts.passwords import password_errors
from pupilhub.core import audit


class Command(BaseCommand):
    help = "Create (or promote) a platform operator account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args: Any, email: str, password: str, **options: Any) -> None:
        errors = password_errors(password)
        if errors:
            raise CommandError(" ".join(errors))
        with transaction.atomic():
            user = User.objects.by_email(email)
            # Run on the server by its administrator: the address is taken as verified.
            # The operator sets up a second factor at first sign-in (MFA_REQUIRED_ROLES).
            if user is None:
                user = User.objects.create_user(
                    email, password, is_operator=True, email_verified_at=timezone.now()
                )
            else:
                user.is_operator = True
                user.set_password(password)
                user.email_verified_at = user.email_verified_at or timezone.now()
                user.save()
            audit.record(user, "operator.created", user)
        self.stdout.write(self.style.SUCCESS(f"Operator ready: {user.email}"))
