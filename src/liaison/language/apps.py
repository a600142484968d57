from django.apps import AppConfig


class LanguageConfig(AppConfig):
    name = "liaison.language"
    label = "language"
