from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "pupilhub.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from . import demo, panels  # noqa: F401  (the demo step, the operator's panel)
