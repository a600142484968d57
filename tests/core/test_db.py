"""The bulk-write helpers write exactly the values given, with the ids they report (COPY on PostgreSQL)."""

import datetime as dt

import pytest
from django.utils import timezone

from liaison.core import db
from liaison.people.models import Household, Student
from tests import factories as f

pytestmark = pytest.mark.django_db


def _full(model, values: dict) -> tuple[list[str], tuple]:
    """Every column but the id, model defaults filling what `values` leaves out."""
    row = {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}
    row.update(values)
    return list(row), tuple(row.values())


def _insert_households(district, n, **kwargs):
    made = [
        _full(
            Household,
            {
                "district_id": district.pk,
                "name": f"Family {i}",
                "source_key": f"key:{i}",
                "home_languages": ["es", "so"] if i % 2 else [],
                "latitude": None,
            },
        )
        for i in range(n)
    ]
    return db.insert_rows(Household, made[0][0], [r for _c, r in made], **kwargs)


def test_insert_rows_returns_the_id_each_row_was_stored_under():
    district = f.DistrictFactory()
    ids = _insert_households(district, 5, returning="source_key")
    assert len(ids) == 5
    for key, pk in ids:
        household = Household.objects.get(pk=pk)
        i = int(key.split(":")[1])
        assert household.source_key == key and household.name == f"Family {i}"
        assert household.home_languages == (["es", "so"] if i % 2 else [])
        assert household.latitude is None


def test_ids_drawn_for_insert_rows_do_not_collide_with_later_inserts():
    district = f.DistrictFactory()
    ids = dict(_insert_households(district, 3, returning="source_key"))
    later = f.HouseholdFactory(district=district)
    assert later.pk not in ids.values()


def test_insert_rows_writes_dates_nulls_and_booleans():
    household = f.HouseholdFactory()
    now = timezone.now()
    common = {"created_at": now, "updated_at": now, "district_id": household.district_id}
    ana = _full(
        Student,
        {
            **common,
            "household_id": household.pk,
            "given_name": "Ana",
            "date_of_birth": dt.date(2016, 2, 29),
            "is_active": True,
            "sourced_id": "s1",
        },
    )
    bo = _full(
        Student,
        {
            **common,
            "household_id": None,
            "given_name": "Bo",
            "date_of_birth": None,
            "is_active": False,
            "sourced_id": None,
        },
    )
    db.insert_rows(Student, ana[0], [ana[1], bo[1]])
    ana, bo = Student.objects.get(given_name="Ana"), Student.objects.get(given_name="Bo")
    assert (ana.household_id, ana.date_of_birth, ana.is_active, ana.sourced_id) == (
        household.pk,
        dt.date(2016, 2, 29),
        True,
        "s1",
    )
    assert (bo.household_id, bo.date_of_birth, bo.is_active, bo.sourced_id) == (
        None,
        None,
        False,
        None,
    )
    assert ana.created_at == now


def test_insert_rows_falls_back_to_text_copy_for_types_it_does_not_write_in_binary(monkeypatch):
    monkeypatch.setattr(db, "_BINARY_COPY", set())
    district = f.DistrictFactory()
    ids = _insert_households(district, 2, returning="source_key")
    assert {Household.objects.get(pk=pk).source_key for _key, pk in ids} == {"key:0", "key:1"}
    assert Household.objects.get(source_key="key:1").home_languages == ["es", "so"]


def test_rows_where_in_reads_the_rows_whose_column_is_in_the_values():
    a, b, c = f.HouseholdFactory(), f.HouseholdFactory(), f.HouseholdFactory()
    rows = db.rows_where_in(Household, ["id", "name"], "id", [a.pk, c.pk, 10**9])
    assert sorted(rows) == sorted([(a.pk, a.name), (c.pk, c.name)])
    assert db.rows_where_in(Household, ["id"], "id", []) == []
    assert b.pk not in {pk for pk, _name in rows}


def test_id_in_and_text_in_read_exactly_the_rows_named_however_many_or_few():
    a, b, c = f.HouseholdFactory(), f.HouseholdFactory(), f.HouseholdFactory()
    Household.objects.filter(pk=b.pk).update(source_key='odd,"key"{}')
    many = [a.pk, c.pk, *range(10**9, 10**9 + 3000)]  # a liaison's site: thousands of families
    assert set(Household.objects.filter(db.IdIn("pk", many)).values_list("pk", flat=True)) == {
        a.pk,
        c.pk,
    }
    assert not Household.objects.filter(db.IdIn("pk", [])).exists()
    assert list(Household.objects.filter(db.TextIn("source_key", ['odd,"key"{}', "x"]))) == [b]


def test_insert_new_rows_leaves_out_rows_a_unique_constraint_holds_and_returns_only_its_own():
    from liaison.attendance.models import AttendanceNudge

    district = f.DistrictFactory()
    first, second = f.HouseholdFactory(district=district), f.HouseholdFactory(district=district)
    day = dt.date(2026, 10, 5)
    columns = ["district_id", "household_id", "day", "sent_on", "student_ids", "created_at"]
    now = timezone.now()
    held = db.insert_new_rows(
        AttendanceNudge,
        columns,
        [(district.pk, first.pk, day, day, [1], now)],
        returning="household_id",
    )
    again = db.insert_new_rows(
        AttendanceNudge,
        columns,
        [
            (district.pk, first.pk, day, day, [2], now),
            (district.pk, second.pk, day, day, [3, 4], now),
        ],
        returning="household_id",
    )
    assert [h for h, _pk in held] == [first.pk]
    assert [h for h, _pk in again] == [second.pk]
    stored = dict(AttendanceNudge.objects.values_list("household_id", "student_ids"))
    assert stored == {first.pk: [1], second.pk: [3, 4]}


def test_upsert_rows_inserts_new_rows_and_updates_those_a_unique_constraint_holds():
    from decimal import Decimal

    from liaison.attendance.models import StudentAttendance

    district = f.DistrictFactory()
    held, new = f.StudentFactory(district=district), f.StudentFactory(district=district)
    StudentAttendance.objects.create(
        district=district, student=held, school_year=2026, as_of=dt.date(2026, 10, 1), tier=1
    )
    day = dt.date(2026, 10, 2)
    common = {"district_id": district.pk, "school_year": 2026, "as_of": day}
    columns, first = _full(
        StudentAttendance,
        {
            **common,
            "student_id": held.pk,
            "days_enrolled": 20,
            "days_absent": Decimal("2.5"),
            "rate": Decimal("0.8750"),
            "chronic": True,
            "tier_reasons": [{"code": "chronic", "absent": "2.5"}],
            "support_since": day,
        },
    )
    _columns, second = _full(StudentAttendance, {**common, "student_id": new.pk, "rate": None})
    db.upsert_rows(
        StudentAttendance, columns, [first, second], conflict=["student_id", "school_year"]
    )
    rows = {r.student_id: r for r in StudentAttendance.objects.filter(district=district)}
    assert len(rows) == 2
    assert (rows[held.pk].as_of, rows[held.pk].days_absent, rows[held.pk].rate) == (
        day,
        Decimal("2.5"),
        Decimal("0.8750"),
    )
    assert rows[held.pk].chronic and rows[held.pk].support_since == day
    assert rows[held.pk].tier_reasons == [{"code": "chronic", "absent": "2.5"}]
    assert (rows[new.pk].rate, rows[new.pk].tier_reasons, rows[new.pk].support_since) == (
        None,
        [],
        None,
    )


def test_a_compiled_query_gives_what_the_queryset_gives_for_each_value():
    district = f.DistrictFactory()
    _insert_households(district, 3)
    households = list(Household.objects.filter(district=district).order_by("pk"))
    compiled = db.Compiled(lambda pk: Household.objects.filter(pk=pk).order_by())
    names = db.Compiled(
        lambda pk, district_id: (
            Household.objects.filter(pk__gte=pk, district_id=district_id)
            .order_by("pk")
            .values_list("pk", "name")
        )
    )
    assert len(households) == 3
    for h in households:
        assert compiled.instances(h.pk) == [h]
        assert compiled.instances(h.pk)[0].name == h.name
        assert names.rows(h.pk, district.pk) == list(
            Household.objects.filter(pk__gte=h.pk, district=district)
            .order_by("pk")
            .values_list("pk", "name")
        )
    assert compiled.instances(-1) == []


def test_a_compiled_query_whose_value_is_not_bound_compiles_each_time_and_stays_right():
    district = f.DistrictFactory()
    _insert_households(district, 2)
    households = list(Household.objects.filter(district=district).order_by("pk"))
    # a value the query does not bind (used in Python before the QuerySet is built)
    compiled = db.Compiled(
        lambda pk: Household.objects.filter(pk=households[0].pk if pk > 0 else households[1].pk)
    )
    assert compiled.instances(1) == [households[0]]
    assert compiled.instances(0) == [households[1]]
