"""Factories for events tests (synthetic data only)."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from liaison.events import models
from liaison.events.choices import EventKind
from tests import factories as f


class EventFactory(DjangoModelFactory):
    class Meta:
        model = models.Event

    district = factory.SubFactory(f.DistrictFactory)
    site = None
    kind = EventKind.WORKSHOP
    title = factory.Sequence(lambda n: f"Family math night {n}")
    description = "Games and snacks; bring the children."
    language = "en"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    place = "Alder Elementary cafeteria"


class InvitationFactory(DjangoModelFactory):
    class Meta:
        model = models.Invitation

    event = factory.SubFactory(EventFactory)
    household = factory.SubFactory(f.HouseholdFactory)
