"""Messaging's access rules, built on the one policy's scopes.

- A household's thread is for those who see the family in full (admins, leaders and liaisons of its
  sites, its caseload liaison) and the interpreter assigned to it; a liaison outside their caseload
  breaks the glass first, as on the household page. Teachers do not read family threads.
- Announcements: district admins to the district, site leaders to their sites' families.
- The unmatched-number queue: anyone who works with families in the district.
"""

from liaison.core import policy


def can_message(user, household) -> bool:
    from liaison.messaging.household import may_see

    return may_see(user, household)


def can_use_inbox(user) -> bool:
    access = policy.access_for(user)
    return access.works_with_families or access.is_interpreter


def can_announce(user) -> bool:
    access = policy.access_for(user)
    return access.is_admin or bool(access.leader_site_ids)


def can_handle_unmatched(user) -> bool:
    return policy.access_for(user).works_with_families


def announcement_district_ids(user) -> frozenset:
    return policy.access_for(user).district_ids
