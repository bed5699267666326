from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "pupilhub.schools"
    label = "schools"
    verbose_name = "Schools and staff"

    def ready(self) -> None:
        from . import signals

        signals.connect()
