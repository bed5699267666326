from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "pupilhub.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        from . import demo, panels  # noqa: F401  (registers panels, checks and the demo step)
