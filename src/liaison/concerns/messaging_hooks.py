"""What the concerns app tells messaging: which notices about a concern a person may not read,
and where logging a call with a guardian starts."""

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from liaison.concerns.choices import ContactKind
from liaison.concerns.models import Concern, MediationMeeting
from liaison.core.policy import concerns as concern_policy
from liaison.people.models import Guardian, Household, User


def hidden_notices(user: User, household: Household) -> Q | None:
    """messaging's message filter: the notices sent about a concern of this household that the
    person may not open (the satisfaction question, a meeting's summary), or None."""
    scope = concern_policy.concern_filter_in(user, household)
    if scope == Q():
        return None
    hidden = list(
        Concern.objects.filter(household=household).exclude(scope).values_list("pk", flat=True)
    )
    if not hidden:
        return None
    meetings = MediationMeeting.objects.filter(concern_id__in=hidden).values_list("pk", flat=True)
    return Q(related_type="concerns.concern", related_id__in=[str(pk) for pk in hidden]) | Q(
        related_type="concerns.mediationmeeting", related_id__in=[str(pk) for pk in meetings]
    )


def call_log_link(user: User, guardian: Guardian) -> str | None:
    """messaging's "Call" link: the contact log's form with a call to this guardian filled in (the
    page offers the tel: link too), for those who may log contacts with the family."""
    if not concern_policy.can_log_contact(user, guardian.household):
        return None
    query = urlencode({"kind": ContactKind.CALL, "guardian": guardian.pk})
    return f"{reverse('concerns:contacts', args=[guardian.household_id])}?{query}"
