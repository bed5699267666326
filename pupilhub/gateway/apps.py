from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "pupilhub.gateway"
    label = "gateway"
    verbose_name = "External gateway"

    def ready(self) -> None:
        from . import access, demo, panels, signals  # noqa: F401  (panels, demo step, built-in types)

        access.connect()
