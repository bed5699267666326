from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "pupilhub.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from . import demo, signals, webhooks  # noqa: F401  (the demo step and receivers)
