"""Reads batched by core/reads.py give what each queryset gives alone, in one query."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.core.reads import later, together
from liaison.people.models import Guardian, Household, HouseholdAssignment, Student, User
from tests import factories as f

pytestmark = pytest.mark.django_db


def _fields(obj):
    if hasattr(obj, "_meta"):
        return {k: v for k, v in vars(obj).items() if k != "_state"}
    return obj


def test_reads_made_together_come_back_as_each_alone_in_one_query(world):
    family = world.caseload_family
    for i in range(3):
        f.GuardianFactory(household=family, given_name=f"Parent{i}", email=f"p{i}@example.org")
    f.StudentFactory(household=family, given_name="Child", date_of_birth=dt.date(2015, 3, 4))
    guardian = family.guardians.order_by("pk").first()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order"
    guardian.save()
    querysets = [
        # Objects with a relation read along, ordered by a column, sliced.
        HouseholdAssignment.objects.filter(household=family).select_related("staff", "household"),
        Guardian.objects.filter(household=family).order_by("-given_name")[:2],
        # Tuples across a relation, a date, a boolean, JSON.
        Guardian.objects.filter(household=family)
        .order_by("pk")
        .values_list("pk", "household__name", "contact_restricted", "created_at"),
        Student.objects.filter(household=family).values("given_name", "date_of_birth"),
        Household.objects.filter(pk=family.pk).values_list("home_languages", flat=True),
        # An annotation an ORDER BY names by its position, and an aggregate.
        Guardian.objects.annotate(at=Coalesce("updated_at", "created_at"))
        .filter(household=family)
        .order_by("-at", "pk")[:3],
        Household.objects.filter(district=world.district)
        .annotate(n=Count("guardians"))
        .order_by("pk")
        .values_list("pk", "n"),
        # DISTINCT (each row compared whole), and a row of more columns than a call takes.
        User.objects.staff_of(world.district).order_by("username"),
        HouseholdAssignment.objects.filter(household=family).select_related(
            "staff", "created_by", "household__district", "household__site"
        ),
        # Nothing to read: no query at all.
        Guardian.objects.filter(pk__in=[]),
    ]
    alone = [[_fields(row) for row in qs._chain()] for qs in querysets]
    with CaptureQueriesContext(connection) as queries, together():
        lazies = [later(qs) for qs in querysets]
        read = [[_fields(row) for row in lazy] for lazy in lazies]
    assert len(queries.captured_queries) == 1
    assert read == alone
    assert all(isinstance(row[3], dt.datetime) and row[3].tzinfo for row in read[2])


def test_a_related_object_read_along_is_the_objects_own():
    assignment = f.AssignmentFactory()
    other = f.AssignmentFactory()
    with together():
        mine = later(HouseholdAssignment.objects.filter(pk=assignment.pk).select_related("staff"))
        theirs = later(HouseholdAssignment.objects.filter(pk=other.pk).select_related("staff"))
        assert mine[0].staff == assignment.staff and theirs[0].staff == other.staff
    assert mine[0].staff.username == assignment.staff.username


def test_what_the_caller_makes_of_the_rows_is_made_once_when_first_used():
    household = f.HouseholdFactory()
    made = []

    def names(rows):
        made.append(1)
        return [h.name for h in rows]

    with together():
        lazy = later(Household.objects.filter(pk=household.pk), names)
        other = later(Household.objects.filter(pk=household.pk).annotate(twice=F("pk") * 2))
        assert not made
        with CaptureQueriesContext(connection) as queries:
            assert list(lazy) == [household.name] and len(lazy) == 1 and lazy
            assert other[0].twice == household.pk * 2
    assert made == [1] and len(queries.captured_queries) == 1


def test_outside_together_a_read_is_its_own_query_when_used():
    household = f.HouseholdFactory()
    lazy = later(Household.objects.filter(pk=household.pk))
    with CaptureQueriesContext(connection) as queries:
        assert lazy[0] == household
    assert len(queries.captured_queries) == 1


def test_a_real_number_and_a_time_survive_the_batch():
    now = timezone.now()
    household = f.HouseholdFactory(latitude=42.361145, longitude=-71.057083)
    with together():
        a = later(Household.objects.filter(pk=household.pk).values_list("latitude", "longitude"))
        b = later(Household.objects.filter(pk=household.pk).values_list("created_at", flat=True))
        assert a[0] == (42.361145, -71.057083)
        assert abs(b[0] - now) < dt.timedelta(minutes=1)
