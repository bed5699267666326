from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "pupilhub.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from . import demo, signals  # noqa: F401  (registers the demo step)

        signals.connect()
