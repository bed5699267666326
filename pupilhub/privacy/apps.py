from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "pupilhub.privacy"
    label = "privacy"
    verbose_name = "Data protection"

    def ready(self) -> None:
        from . import demo, panels  # noqa: F401  (registers the demo step and the pupil panel)
