from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pupilhub.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import backends

        backends.connect()
