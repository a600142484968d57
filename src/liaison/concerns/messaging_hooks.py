"""What the concerns app tells messaging: which notices about a concern a person may not read."""

from django.db.models import Q

from liaison.concerns.models import Concern, MediationMeeting
from liaison.core.policy import concerns as concern_policy
from liaison.people.models import Household, User


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
