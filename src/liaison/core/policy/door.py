"""The one door into a family's record: fetch, check, log, or answer 404.

Every view that opens a household, a guardian, a student, a thread, a concern, a referral or a
family's invitation calls one of the `open_*` functions here (as Zulip's views call
`access_stream_by_id`). Each fetches the record, asks the household policy whether this person may
open the family for what they want to do, applies the record kind's own rule, writes the access-log
row when asked to, and returns the record. Missing and forbidden answer the same Http404, so an id
outside someone's scope cannot be told from one that does not exist.

A liaison opening a family off their caseload must say why first ("break the glass"): the door then
raises ReasonNeeded, which DoorMiddleware turns into the household page's reason form (on the
household page itself) or a redirect to it (anywhere else). The reason form is its own view
(people:household_reason); `break_glass` here keeps the reason for the session and logs it.

Core imports no app: the access-log row is written by the recorder that the audit app registers
(`register_recorder`), and the models are looked up by name.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import resolve, reverse

from liaison.core.policy import concerns as concern_policy
from liaison.core.policy import messaging as message_policy
from liaison.core.policy import resources as resource_policy
from liaison.core.policy.cache import answers_kept
from liaison.core.policy.lookup import Record, model
from liaison.core.policy.scopes import (
    can_edit_household,
    can_manage_caseloads,
    household_rule,
    in_scope,
    in_scope_cheaply,
    may_skip_scope_filter,
    needs_reason_to_open,
    remember_caseload,
    with_caseload_answer,
)

GLASS_SESSION_KEY = "liaison_glass"


class Want(StrEnum):
    """What the person opening a family's record means to do with it."""

    SEE = "see"
    """Read the record: the household page, a guardian, a student, an invitation, a thread one
    may read. Anyone whose scope holds the family (a teacher sees only the children they teach)."""

    EDIT = "edit"
    """Change the record: edit the household, add a guardian or a student, answer an invitation,
    book a conference slot, make a referral. Those who see the family in full."""

    MESSAGE = "message"
    """Write to the family on its shared thread: those who see it in full and its interpreter."""

    ASSIGN = "assign"
    """Put the family on a liaison's caseload: district admins and site leaders."""


class Recorder(Protocol):
    def __call__(
        self,
        request: HttpRequest,
        *,
        kind: str,
        object_id: int,
        household_id: int | None,
        action: str,
        reason: str,
    ) -> object: ...


_recorder: list[Recorder] = []


def register_recorder(recorder: Recorder) -> None:
    """The app that keeps the access log (audit) says how a row is written; one recorder."""
    _recorder[:] = [recorder]


def record(
    request: HttpRequest,
    *,
    kind: str,
    object_id: int,
    household_id: int | None,
    action: str = "view",
    reason: str = "",
) -> None:
    """One access-log row for a view of a family's record (kind: household, guardian ...)."""
    for recorder in _recorder:
        recorder(
            request,
            kind=kind,
            object_id=object_id,
            household_id=household_id,
            action=action,
            reason=reason,
        )


class ReasonNeeded(Exception):
    """The person may open the family once they say why (break the glass)."""

    def __init__(self, household: Record) -> None:
        super().__init__(f"A reason is needed to open household {household.pk}")
        self.household = household


def allows(user: Any, household: Record, want: Want) -> bool:
    """Whether a person whose scope holds the family may do `want` with it."""
    if want is Want.EDIT:
        return can_edit_household(user, household)
    if want is Want.MESSAGE:
        return message_policy.can_message(user, household)
    if want is Want.ASSIGN:
        return can_manage_caseloads(user)
    return True


def glass_reason(request: HttpRequest, household: Record) -> str:
    """The reason this person gave for opening the family in this session ("" if none)."""
    reasons: dict[str, str] = request.session.get(GLASS_SESSION_KEY, {})
    return reasons.get(str(household.pk), "")


def reason_given(request: HttpRequest, household: Record) -> bool:
    """Whether the family may be opened now: no reason is needed, or one was given."""
    if not needs_reason_to_open(request.user, household):
        return True
    return str(household.pk) in request.session.get(GLASS_SESSION_KEY, {})


def break_glass(request: HttpRequest, household: Record, reason: str) -> None:
    """Keep the reason for the rest of the session and log it (action "break_glass")."""
    reasons = request.session.get(GLASS_SESSION_KEY, {})
    reasons[str(household.pk)] = reason
    request.session[GLASS_SESSION_KEY] = reasons
    record(
        request,
        kind="household",
        object_id=household.pk,
        household_id=household.pk,
        action="break_glass",
        reason=reason,
    )


Rule = Callable[[Any, Record], bool]


def _through_the_door(
    request: HttpRequest, household: Record, want: Want, also: Rule | None = None
) -> None:
    """The household's checks for a record already fetched within the person's scope: the want,
    the record's own rule, then the reason (asked only of someone who may do what they want)."""
    if not allows(request.user, household, want):
        raise Http404
    if also is not None and not also(request.user, household):
        raise Http404
    if not reason_given(request, household):
        raise ReasonNeeded(household)


def fetch_household(user: Any, pk: object) -> Record:
    """The household if it is in this person's scope, else Http404 (no want, no glass, no log).

    A liaison's own family or an admin's district is in scope without the full scope filter
    (three correlated subqueries to build and run); everyone else goes through it."""
    qs = with_caseload_answer(
        model("people.Household").objects.select_related("district", "site"), user
    )
    if may_skip_scope_filter(user):
        household = qs.filter(pk=pk).first()
        if household is not None:
            remember_caseload(user, household, household.pk)
            if in_scope_cheaply(user, household):
                return household
    household = qs.filter(household_rule(user), pk=pk).first()
    if household is None:
        raise Http404
    remember_caseload(user, household, household.pk)
    return household


def open_household(
    request: HttpRequest,
    pk: object,
    want: Want = Want.SEE,
    *,
    also: Rule | None = None,
    log: str | None = None,
) -> Record:
    """The household `pk` for this request's person to do `want` with, or Http404.

    `also`: the page's own rule on top of the want (e.g. audit's "may export the record"), asked
    before the reason. `log`: the action of the access-log row to write ("view", "messages" ...);
    None writes none (a form's POST, a partial of a page already logged)."""
    household = fetch_household(request.user, pk)
    _through_the_door(request, household, want, also)
    if log is not None:
        record(
            request,
            kind="household",
            object_id=household.pk,
            household_id=household.pk,
            action=log,
            reason=glass_reason(request, household),
        )
    return household


def _fetch(qs: Any, pk: object) -> Record:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _log_view(request: HttpRequest, kind: str, obj: Record) -> None:
    """The access-log row of a record opened for reading (its household named for the record)."""
    record(
        request,
        kind=kind,
        object_id=obj.pk,
        household_id=obj.household_id,
        action="view",
        reason="",
    )


def open_guardian(
    request: HttpRequest, pk: object, want: Want = Want.SEE, *, log: bool = False
) -> Record:
    """A guardian within this person's scope, through their household's door."""
    manager = model("people.Guardian").objects
    guardian = _fetch(manager.visible_to(request.user).select_related("household"), pk)
    _through_the_door(request, guardian.household, want)
    if log:
        _log_view(request, "guardian", guardian)
    return guardian


def open_student(
    request: HttpRequest, pk: object, want: Want = Want.SEE, *, log: bool = False
) -> Record:
    """A student within this person's scope; a student without a household can be seen but not
    changed (there is no family to change it in)."""
    manager = model("people.Student").objects
    student = _fetch(manager.visible_to(request.user).select_related("household"), pk)
    if student.household_id is None:
        if want is not Want.SEE:
            raise Http404
    else:
        _through_the_door(request, student.household, want)
    if log:
        _log_view(request, "student", student)
    return student


def open_thread(request: HttpRequest, pk: object, want: Want = Want.SEE) -> Record:
    """A conversation this person may read (their family's shared thread, or their own thread
    with a family in their scope); Want.MESSAGE asks for the shared thread's writers."""
    user = request.user
    threads = with_caseload_answer(
        model("messaging.Conversation").objects.select_related(
            "household__district", "assigned_to", "staff"
        ),
        user,
        household="household_id",
    )
    conversation = None
    if may_skip_scope_filter(user):
        # As fetch_household: an admin's district or a liaison's own family is in scope (which is
        # the thread filter of those who work with families) without the filter to build and run.
        found = threads.filter(pk=pk).first()
        if found is not None:
            remember_caseload(user, found, found.household_id)
            if in_scope_cheaply(user, found.household):
                conversation = found
    if conversation is None:
        conversation = _fetch(threads.filter(message_policy.thread_filter(user, live=True)), pk)
        remember_caseload(user, conversation, conversation.household_id)
    if not message_policy.can_read_thread(user, conversation):
        raise Http404
    _through_the_door(request, conversation.household, want)
    return conversation


def open_concern(
    request: HttpRequest, pk: object, want: Want = Want.SEE, *, log: bool = False
) -> Record:
    """A concern this person may open (never one about themselves); Want.EDIT: work on it.
    Its assignee opens it without a reason; anyone else off their caseload says why first."""
    user = request.user
    manager = model("concerns.Concern").objects
    concern = _fetch(
        manager.filter(concern_policy.concern_filter(user, live=True)).select_related(
            "household__district",
            "household__site",
            "category",
            "assignee",
            "guardian",
            "district",
            "subject_staff",
        ),
        pk,
    )
    if want is not Want.SEE and not concern_policy.can_work_on(user, concern):
        raise Http404
    if concern.assignee_id != user.pk and not reason_given(request, concern.household):
        raise ReasonNeeded(concern.household)
    if log:
        _log_view(request, "concern", concern)
    return concern


def open_referral(
    request: HttpRequest, pk: object, want: Want = Want.SEE, *, log: bool = False
) -> Record:
    """A referral of a family whose referrals this person sees; Want.EDIT: change or send it."""
    user = request.user
    manager = model("resources.Referral").objects
    referral = _fetch(manager.visible_to(user).select_related("household", "service", "need"), pk)
    household = referral.household
    asks = resource_policy.can_see_referrals if want is Want.SEE else resource_policy.can_refer
    if not asks(user, household):
        raise Http404
    if not reason_given(request, household):
        raise ReasonNeeded(household)
    if log:
        _log_view(request, "referral", referral)
    return referral


def open_invitation(request: HttpRequest, pk: object, want: Want = Want.EDIT) -> Record:
    """A family's invitation to an event, through the family's door (answering it is an edit)."""
    user = request.user
    invitation = _fetch(
        model("events.Invitation").objects.select_related(
            "event__site", "event__district", "household"
        ),
        pk,
    )
    household = invitation.household
    if household is None or not in_scope(user, household):
        raise Http404
    _through_the_door(request, household, want)
    return invitation


# --- break the glass: the exception's answer ---------------------------------------------------


def reason_page(request: HttpRequest, household: Record) -> HttpResponse:
    """Where ReasonNeeded leads: the reason form in place on the household page, a redirect to
    the household page from anywhere else."""
    home = household.get_absolute_url()
    if request.path != home:
        return HttpResponseRedirect(home)
    match = resolve(reverse("people:household_reason", args=[household.pk]))
    response: HttpResponse = match.func(request, *match.args, **match.kwargs)
    return response


class DoorMiddleware:
    """Opens the policy's answer cache for each request, and answers ReasonNeeded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with answers_kept():
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ReasonNeeded):
            return reason_page(request, exception.household)
        return None
