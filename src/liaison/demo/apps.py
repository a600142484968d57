from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo district and its `demo` command: the top floor, nothing imports it."""

    name = "liaison.demo"
    label = "demo"
    verbose_name = "Demo district"
