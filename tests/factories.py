"""Factories for synthetic test data (factory-boy). Phones use the fictional 555-01xx range."""

import factory
from factory.django import DjangoModelFactory

from liaison.people import models
from liaison.people.choices import AssignmentRole, Role, SiteKind


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = models.District
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"District {n}")
    slug = factory.Sequence(lambda n: f"district-{n}")
    contact_phone = "+16175550100"


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = models.Site

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"School {n}")
    kind = SiteKind.SCHOOL


class UserFactory(DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    district = factory.SelfAttribute("site.district")
    site = factory.SubFactory(SiteFactory)
    role = Role.LIAISON


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = models.Household

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Family{n} household")
    home_languages = factory.LazyFunction(lambda: ["es"])


class GuardianFactory(DjangoModelFactory):
    class Meta:
        model = models.Guardian

    household = factory.SubFactory(HouseholdFactory)
    given_name = factory.Sequence(lambda n: f"Guardian{n}")
    family_name = factory.LazyAttribute(lambda g: g.household.name.split()[0])
    preferred_language = "es"
    # 857-555-01xx (fictional numbers): the tests write their own numbers in 617-555-01xx, and a
    # guardian made here must never hold one of them ("a number not on file" must not be).
    phone = factory.Sequence(lambda n: f"+18575550{100 + n % 100:03d}")
    email = factory.Sequence(lambda n: f"guardian{n}@example.org")
    preferred_channels = factory.LazyFunction(lambda: ["sms", "email"])


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = models.Student

    household = factory.SubFactory(HouseholdFactory)
    district = factory.SelfAttribute("household.district")
    given_name = factory.Sequence(lambda n: f"Child{n}")
    family_name = factory.LazyAttribute(lambda s: s.household.name.split()[0])
    grade = "03"


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = models.Enrolment

    student = factory.SubFactory(StudentFactory)
    site = factory.SubFactory(SiteFactory)


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = models.HouseholdAssignment

    staff = factory.SubFactory(UserFactory)
    household = factory.SubFactory(HouseholdFactory)
    role = AssignmentRole.LIAISON
