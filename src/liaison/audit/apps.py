from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "liaison.audit"
    label = "audit"
    verbose_name = "Access and disclosure records"
