from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "pupilhub.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from . import demo, signals  # noqa: F401  (registers the demo step and receivers)
