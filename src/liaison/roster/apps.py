from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "liaison.roster"
    label = "roster"
