"""Attendance's staff pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.attendance import barriers
from liaison.core import policy
from liaison.core.policy import concerns as concern_policy
from liaison.messaging.choices import Direction
from liaison.messaging.models import Message


@login_required
@require_POST
def barrier_concern(request: HttpRequest, pk: int, barrier: str) -> HttpResponse:
    """One tap on a family's answer to an attendance nudge: the barrier it names becomes a concern
    about the children the nudge named."""
    if barrier not in barriers.BARRIERS:
        raise Http404
    message = get_object_or_404(
        Message.objects.select_related("conversation", "guardian"),
        pk=pk,
        direction=Direction.IN,
        conversation__isnull=False,
    )
    conversation = message.conversation
    assert conversation is not None  # filtered above
    policy.open_household(request, conversation.household_id, also=concern_policy.can_raise)
    try:
        concern = barriers.concern_from_answer(message=message, barrier=barrier, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(conversation)
    messages.success(request, _("The family's answer is now a concern."))
    return redirect(concern)
