from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupilhub.pupils"
    label = "pupils"
    verbose_name = "Pupils"

    def ready(self) -> None:
        from . import counts

        counts.connect()
