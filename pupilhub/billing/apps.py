from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "pupilhub.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from . import demo  # noqa: F401  (registers the demo step)
