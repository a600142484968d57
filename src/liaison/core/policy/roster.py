"""Roster rules: imports, staff activation and merging/splitting households are for district admins."""

from liaison.core.policy.lookup import Person, Record, model
from liaison.core.policy.scopes import access_for


def can_import(user: Person) -> bool:
    return access_for(user).is_admin


def admin_district_ids(user: Person) -> set[int]:
    access = access_for(user)
    if access.superuser:
        return set(model("people.District").objects.values_list("pk", flat=True))
    return set(access.admin_district_ids)


def can_arrange_household(user: Person, household: Record) -> bool:
    return household.district_id in admin_district_ids(user)


def can_see_run(user: Person, run: Record) -> bool:
    if not can_import(user):
        return False
    if run.district_id is None:
        return run.started_by_id == user.pk or access_for(user).superuser
    return run.district_id in admin_district_ids(user)
