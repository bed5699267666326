from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "pupilhub.pupils"
    label = "pupils"
    verbose_name = "Pupils"
