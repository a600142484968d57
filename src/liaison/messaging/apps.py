from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "liaison.messaging"
    label = "messaging"
