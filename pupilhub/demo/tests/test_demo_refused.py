"""The demo's public passwords and shared authenticator secret never reach production."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pupilhub.accounts.models import User


@pytest.mark.parametrize("command", ["demo_data", "demo_otp"])
@pytest.mark.django_db
def test_demo_commands_refuse_in_production(settings: Any, command: str) -> None:
    settings.PRODUCTION = True
    out = StringIO()
    before = User.objects.count()  # other tests may have built the demo already
    with pytest.raises(CommandError, match="never goes on a production database"):
        call_command(command, stdout=out)
    assert User.objects.count() == before and out.getvalue() == ""
