"""What the concerns app tells messaging: which notices about a concern a person may not read,
and where logging a call with a guardian starts."""

from urllib.parse import urlencode

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import reverse

from liaison.concerns.choices import ContactKind
from liaison.concerns.models import Concern, MediationMeeting
from liaison.core.policy import concerns as concern_policy
from liaison.people.models import Guardian, Household, User


def hidden_notices(user: User, household: Household) -> Q | None:
    """messaging's message filter: the messages of this household tied to a concern the person may
    not open, or None: the notices sent about it (the satisfaction question, a meeting's summary)
    and the family's own message it was raised from (their words about a member of staff are the
    concern itself, and its subject reads neither).

    The concerns kept from them are subqueries of the messages' own query, not a query first:
    most people on most families are kept from none, and the page asks nothing for it."""
    scope = concern_policy.concern_filter_in(user, household)
    if scope == Q():
        return None
    hidden = Concern.objects.filter(household=household).exclude(scope)
    meetings = MediationMeeting.objects.filter(concern__in=hidden.values("pk"))
    # Message.related_id holds the id as text.
    as_text = Cast("pk", output_field=CharField())
    return (
        Q(pk__in=hidden.filter(source_message_id__isnull=False).values("source_message_id"))
        | Q(
            related_type="concerns.concern",
            related_id__in=hidden.annotate(related=as_text).values("related"),
        )
        | Q(
            related_type="concerns.mediationmeeting",
            related_id__in=meetings.annotate(related=as_text).values("related"),
        )
    )


def call_log_link(user: User, guardian: Guardian) -> str | None:
    """messaging's "Call" link: the contact log's form with a call to this guardian filled in (the
    page offers the tel: link too), for those who may log contacts with the family."""
    if not concern_policy.can_log_contact(user, guardian.household):
        return None
    query = urlencode({"kind": ContactKind.CALL, "guardian": guardian.pk})
    return f"{reverse('concerns:contacts', args=[guardian.household_id])}?{query}"
