"""Factories for the resources app's tests (synthetic directory entries, 555-01xx phones)."""

import factory
from factory.django import DjangoModelFactory

from liaison.resources import models


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Helping Hands {n}")
    description = "A community organization."


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = models.Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    description = "Help for families."
    status = "active"


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = models.Location

    name = factory.Sequence(lambda n: f"Place {n}")
    latitude = 42.36
    longitude = -71.06


class TermFactory(DjangoModelFactory):
    class Meta:
        model = models.TaxonomyTerm

    name = factory.Sequence(lambda n: f"Need {n}")


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = models.Referral

    service = factory.SubFactory(ServiceFactory)
    service_name = factory.LazyAttribute(lambda r: r.service.name)
