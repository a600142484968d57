"""The models the policy reads, resolved by name when asked: core imports no app module."""

from typing import Any

from django.apps import apps

# The policy speaks of people, families and records of apps above core; it names their types Any
# (they are Django model instances) rather than import them.
Person = Any  # a User (or AnonymousUser)
Record = Any  # a Household, Guardian, Student, Conversation, Concern, Referral, Event ...


def model(label: str) -> Any:
    """The model class for "app_label.ModelName" (e.g. "people.Household")."""
    return apps.get_model(label)
