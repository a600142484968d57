"""Access rules of the resources app, built on core.policy's scopes.

The directory is not family data: anyone with a staff role may search it; admins, site leaders and
liaisons curate it. Referrals are family records: those who may edit the household see and make them.
"""

from liaison.core.policy.lookup import Person, Record
from liaison.core.policy.scopes import access_for, can_edit_household, full_view


def can_use_directory(user: Person) -> bool:
    access = access_for(user)
    return access.superuser or bool(access.roles)


def can_curate(user: Person) -> bool:
    return access_for(user).works_with_families


def can_refer(user: Person, household: Record) -> bool:
    return can_edit_household(user, household)


def can_see_referrals(user: Person, household: Record) -> bool:
    return full_view(user, household)
