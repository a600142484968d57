"""Set-based refresh of HouseholdEngagement and HouseholdDimension (run by the refresh task).

One INSERT ... SELECT per table over grouped facts and deliveries, the same SQL on SQLite and
PostgreSQL but for reading a JSON list's first item, so a full rebuild is a few scans rather than
a Python loop over every household. Table names come from the models, values travel as parameters.
"""

# ruff: noqa: S608

import datetime as dt

from django.db import transaction
from django.utils import timezone

from liaison.core import kept
from liaison.core.db import MANY_HOUSEHOLDS
from liaison.insights import metrics
from liaison.insights.choices import Dimension
from liaison.insights.models import ContactFact, HouseholdDimension, HouseholdEngagement

CHUNK = 2_000


def _first_home_language(connection, column):
    """SQL for a household's first home language (the JSON list's first item), NULL when none."""
    if connection.vendor == "postgresql":
        return f"({column} ->> 0)"
    return f"json_extract({column}, '$[0]')"


def refresh_households(ids, now) -> int:
    from django.db import connection

    from liaison.messaging.choices import DeliveryState
    from liaison.messaging.models import Delivery
    from liaison.people.choices import AssignmentRole
    from liaison.people.models import (
        Enrolment,
        Guardian,
        Household,
        HouseholdAssignment,
        Student,
        StudentProgramme,
    )

    if ids is not None and not ids:
        return 0
    t = {
        "household": Household._meta.db_table,
        "guardian": Guardian._meta.db_table,
        "student": Student._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
        "programme": StudentProgramme._meta.db_table,
        "assignment": HouseholdAssignment._meta.db_table,
        "delivery": Delivery._meta.db_table,
        "fact": ContactFact._meta.db_table,
        "engagement": HouseholdEngagement._meta.db_table,
        "dimension": HouseholdDimension._meta.db_table,
    }
    ops = connection.ops

    def among(column):
        """A filter to the chunk's households (nothing for a full rebuild), and its parameters."""
        if ids is None:
            return "", []
        return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)

    ok = (str(DeliveryState.SENT), str(DeliveryState.DELIVERED))
    in_fact, p_fact = among("f.household_id")
    in_delivery, p_delivery = among("d.household_id")
    in_household, p_household = among("h.id")
    since = now - dt.timedelta(days=metrics.FAILURE_WINDOW_DAYS)
    # Every household gets a row; a household with no facts or deliveries has NULL times.
    engagement_sql = (
        f"INSERT INTO {t['engagement']} (household_id, district_id, is_active, last_two_way_at, "
        "last_contact_at, last_delivered_at, last_failed_at, all_channels_failing, updated_at) "
        "SELECT h.id, h.district_id, h.is_active, f.two_way, f.any_at, d.last_ok, d.last_failed, "
        "CASE WHEN d.failed > 0 AND d.ok = 0 THEN TRUE ELSE FALSE END, %s "
        f"FROM {t['household']} h "
        "LEFT JOIN (SELECT f.household_id, MAX(CASE WHEN f.two_way THEN f.at END) AS two_way, "
        f"MAX(f.at) AS any_at FROM {t['fact']} f WHERE 1 = 1{in_fact} GROUP BY f.household_id) f "
        "ON f.household_id = h.id "
        "LEFT JOIN (SELECT d.household_id, "
        "SUM(CASE WHEN d.state IN (%s, %s) THEN 1 ELSE 0 END) AS ok, "
        "SUM(CASE WHEN d.state = %s THEN 1 ELSE 0 END) AS failed, "
        "MAX(CASE WHEN d.state IN (%s, %s) THEN d.sent_at END) AS last_ok, "
        "MAX(CASE WHEN d.state = %s THEN d.updated_at END) AS last_failed "
        f"FROM {t['delivery']} d WHERE d.created_at >= %s{in_delivery} GROUP BY d.household_id) d "
        f"ON d.household_id = h.id WHERE 1 = 1{in_household}"
    )
    failed = str(DeliveryState.FAILED)
    engagement_params = [
        ops.adapt_datetimefield_value(now),
        *p_fact,
        *ok,
        failed,
        *ok,
        failed,
        ops.adapt_datetimefield_value(since),
        *p_delivery,
        *p_household,
    ]

    first = _first_home_language(connection, "h.home_languages")
    today = ops.adapt_datefield_value(timezone.localdate())
    in_student, p_student = among("s.household_id")
    in_guardian, p_guardian = among("g.household_id")
    in_assignment, p_assignment = among("a.household_id")
    # The values each household is counted under; UNION drops the duplicates (two children at
    # one site). A household without a recorded home language counts under its first active
    # guardian's language.
    parts = [
        (
            f"SELECT h.id, %s, CAST(h.site_id AS TEXT) FROM {t['household']} h "
            f"WHERE h.site_id IS NOT NULL{in_household}",
            [str(Dimension.SITE), *p_household],
        ),
        (
            f"SELECT s.household_id, %s, CAST(e.site_id AS TEXT) FROM {t['enrolment']} e "
            f"JOIN {t['student']} s ON s.id = e.student_id "
            f"WHERE s.household_id IS NOT NULL AND e.is_active{in_student}",
            [str(Dimension.SITE), *p_student],
        ),
        (
            f"SELECT h.id, %s, {first} FROM {t['household']} h "
            f"WHERE {first} IS NOT NULL{in_household}",
            [str(Dimension.LANGUAGE), *p_household],
        ),
        (
            f"SELECT g.household_id, %s, g.preferred_language FROM {t['guardian']} g "
            f"JOIN {t['household']} h ON h.id = g.household_id WHERE {first} IS NULL "
            f"AND g.id = (SELECT MIN(g2.id) FROM {t['guardian']} g2 "
            f"WHERE g2.household_id = g.household_id AND g2.is_active){in_guardian}",
            [str(Dimension.LANGUAGE), *p_guardian],
        ),
        (
            f"SELECT s.household_id, %s, s.grade FROM {t['student']} s "
            f"WHERE s.household_id IS NOT NULL AND s.is_active AND s.grade <> ''{in_student}",
            [str(Dimension.GRADE), *p_student],
        ),
        (
            f"SELECT s.household_id, %s, p.programme FROM {t['programme']} p "
            f"JOIN {t['student']} s ON s.id = p.student_id "
            f"WHERE s.household_id IS NOT NULL{in_student}",
            [str(Dimension.PROGRAMME), *p_student],
        ),
        (
            f"SELECT a.household_id, %s, CAST(a.staff_id AS TEXT) FROM {t['assignment']} a "
            "WHERE a.role = %s AND a.started_on <= %s "
            f"AND (a.ended_on IS NULL OR a.ended_on >= %s){in_assignment}",
            [str(Dimension.LIAISON), str(AssignmentRole.LIAISON), today, today, *p_assignment],
        ),
        (
            f"SELECT h.id, %s, %s FROM {t['household']} h WHERE 1 = 1{in_household}",
            [str(Dimension.ALL), "all", *p_household],
        ),
    ]
    dimension_sql = (
        f"INSERT INTO {t['dimension']} (household_id, dimension, value) "
        + " UNION ".join(sql for sql, _ in parts)
    )
    dimension_params = [p for _, params in parts for p in params]

    in_engagement, p_engagement = among("household_id")
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("engagement", "dimension"):
            cursor.execute(
                f"DELETE FROM {t[table]} WHERE 1 = 1{in_engagement}",
                p_engagement,
            )
        cursor.execute(engagement_sql, engagement_params)
        refreshed = cursor.rowcount
        cursor.execute(dimension_sql, dimension_params)
        # Written around the ORM: the kept parts that read these tables (the caseload's at-risk
        # filter, Today's at-risk rows) are told, of these households when few (core/kept.py).
        few = None if ids is None or len(ids) > MANY_HOUSEHOLDS else ids
        for model in (HouseholdEngagement, HouseholdDimension):
            kept.changed(table=model._meta.label, households=few)
    return refreshed
