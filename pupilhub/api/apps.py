from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "pupilhub.api"
    label = "api"
    verbose_name = "Public API v1"
