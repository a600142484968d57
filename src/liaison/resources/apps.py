from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "liaison.resources"
    label = "resources"
