from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pupilhub.core"
    label = "core"
    verbose_name = "Core: audit log and shared plumbing"
