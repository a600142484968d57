"""Messaging's access rules, built on the one policy's scopes.

- A household's shared thread is for those who see the family in full (admins, leaders and liaisons
  of its sites, its caseload liaison) and the interpreter assigned to it; a liaison outside their
  caseload breaks the glass first, as on the household page. Teachers do not read it.
- A member of staff's own thread with a family (a teacher writing to the parents of a child they
  teach) is for that member of staff while the family is in their scope, and for the same people
  who read the shared thread: the family's liaison sees everything the family is told.
- Announcements: district admins to the district, site leaders to their sites' families.
- The unmatched-number queue: anyone who works with families in the district.
- Opting a number out because a family's text on a thread may mean "stop": whoever reads that thread.
"""

from django.db.models import Q

from liaison.core.policy import scopes as policy
from liaison.core.policy.lookup import Person, Record
from liaison.core.policy.roles import AssignmentRole


def may_see(user: Person, household: Record) -> bool:
    """Whoever sees the family in full, and the interpreter assigned to it, sees its messages."""
    if policy.full_view(user, household):
        return True
    return policy.access_for(user).is_interpreter and policy.is_assigned(
        user, household, AssignmentRole.INTERPRETER
    )


def can_message(user: Person, household: Record) -> bool:
    """Read and write the family's shared thread (the household page's messages)."""
    return may_see(user, household)


def can_read_thread(user: Person, conversation: Record) -> bool:
    if can_message(user, conversation.household):
        return True
    return (
        conversation.staff_id is not None
        and conversation.staff_id == user.pk
        and _in_scope(user, conversation.household)
    )


def can_opt_out_number(user: Person, conversation: Record) -> bool:
    """Whether this person may opt a family's number out of texts on the family's word (a short text
    on the thread that may mean "stop"): whoever reads the thread it came in on, since the family
    asked them and the law asks that any reasonable way of saying stop is honoured."""
    return can_read_thread(user, conversation)


def can_write_own_thread(user: Person, household: Record) -> bool:
    """Whether this person may write to the family as themselves (their own thread): staff who
    cannot use the shared thread but whose scope holds the family, i.e. its children's teachers."""
    if not user.is_authenticated or can_message(user, household):
        return False
    return policy.access_for(user).is_teacher and _in_scope(user, household)


def _in_scope(user: Person, household: Record) -> bool:
    return policy.in_scope(user, household)


def thread_filter(user: Person, *, live: bool = False) -> Q:
    """A filter on Conversation: the threads this person's inbox lists (the views still ask
    can_read_thread of each one they open); `live`: by the scope rule as the database holds it
    now (the door), not the kept scope set."""
    access = policy.access_for(user)
    if access.superuser:
        return Q()
    if live:
        in_scope = policy.reached(policy.household_rule(user), "household_id")
    else:
        in_scope = policy.households_in_scope(user)
    if access.works_with_families or access.is_interpreter:
        return in_scope
    return Q(staff_id=user.pk) & in_scope if user.pk else policy.NOTHING


def can_use_inbox(user: Person) -> bool:
    access = policy.access_for(user)
    return access.works_with_families or access.is_interpreter or access.is_teacher


def can_announce(user: Person) -> bool:
    access = policy.access_for(user)
    return access.is_admin or bool(access.leader_site_ids)


def can_resend_announcement(user: Person, message: Record) -> bool:
    """Retry or switch the channel of an announcement's failed deliveries: the district's admins,
    or a site leader when every site the announcement went to is one they lead."""
    access = policy.access_for(user)
    if access.superuser or message.district_id in access.admin_district_ids:
        return True
    sites = set((message.audience or {}).get("sites") or [])
    return (
        message.district_id in access.district_ids
        and bool(sites)
        and sites <= set(access.leader_site_ids)
    )


def can_handle_unmatched(user: Person) -> bool:
    return policy.access_for(user).works_with_families


def can_use_saved_replies(user: Person) -> bool:
    """See the district's saved replies (and insert them in the composer): whoever writes to
    families."""
    access = policy.access_for(user)
    return access.works_with_families or access.is_interpreter or access.is_teacher


def can_manage_saved_replies(user: Person) -> bool:
    """Write, change and retire the district's saved replies: its admins and site leaders (the
    words many families will read from many staff)."""
    access = policy.access_for(user)
    return access.is_admin or bool(access.leader_site_ids)
