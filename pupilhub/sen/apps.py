from django.apps import AppConfig


class SenConfig(AppConfig):
    name = "pupilhub.sen"
    label = "sen"
    verbose_name = "SEN cycle"

    def ready(self) -> None:
        from . import demo, panels  # noqa: F401  (registers panels and the demo step)
