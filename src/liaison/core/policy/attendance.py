"""Attendance rules: importing attendance and calendars, and reading the import runs, is for district
admins; the at-risk list is a report for those who read insights, each row in their scope; the
school's attendance message (Tier 1) is sent by a district admin for the district or any of its
schools, and by a site leader for their own school."""

from django.db.models import Q

from liaison.core.policy.insights import can_view_insights
from liaison.core.policy.lookup import Person, Record, model
from liaison.core.policy.roles import AssignmentRole
from liaison.core.policy.roster import admin_district_ids, can_import
from liaison.core.policy.scopes import NOTHING, access_for


def can_import_attendance(user: Person) -> bool:
    return can_import(user)


def can_see_attendance_import(user: Person, batch: Record) -> bool:
    """An attendance import run is its district's admins' (and a superuser's)."""
    return can_import(user) and batch.district_id in admin_district_ids(user)


def can_see_at_risk(user: Person) -> bool:
    """The at-risk list is a report: for those who read insights (admins, leaders, liaisons)."""
    return can_view_insights(user)


def at_risk_filter(user: Person) -> Q:
    """A filter on the at-risk rows (they carry the student's district, school and household):
    an admin's districts; the students of a leader's or liaison's schools; a liaison's caseload,
    wherever its children are enrolled. Each part reads the row's own columns, so the list's first
    page stays an index read in a district of 100,000. A child enrolled at another school is on
    that school's list, not on the list of a sibling's school (which may still open the family)."""
    access = access_for(user)
    if access.superuser:
        return Q()
    q = NOTHING
    if access.admin_district_ids:
        q |= Q(district_id__in=access.admin_district_ids)
    if access.site_ids:
        q |= Q(site_id__in=access.site_ids)
    if access.is_liaison:
        caseload = (
            model("people.HouseholdAssignment")
            .objects.current()
            .filter(staff=user, role=AssignmentRole.LIAISON)
        )
        q |= Q(household_id__in=caseload.values("household_id"))
    return q


def can_send_attendance_message(user: Person, district_id: int, site: Record | None = None) -> bool:
    """The school's attendance message to the families of a district (site None) or of one of its
    schools: the district's admins (and a superuser) for either; a site leader for their school."""
    if site is not None and site.district_id != district_id:
        return False
    access = access_for(user)
    if access.superuser or district_id in access.admin_district_ids:
        return True
    return site is not None and site.pk in access.leader_site_ids


def attendance_message_site_filter(user: Person) -> Q:
    """A filter on sites: the schools whose families this person may send the attendance message."""
    access = access_for(user)
    if access.superuser:
        return Q()
    return Q(district_id__in=access.admin_district_ids) | Q(pk__in=access.leader_site_ids)
