"""Staff pages for concerns, meetings and the contact log. Thin: parse, ask the policy, call a service."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from liaison.concerns import services
from liaison.concerns.choices import TRANSITIONS, ContactKind, Status, Urgency, default_triage
from liaison.concerns.forms import (
    WORKING_ROLES,
    AssignForm,
    CategoryForm,
    CategoryTriageFormSet,
    ConcernEditForm,
    ConcernForm,
    FollowUpActionForm,
    FromMessageForm,
    MeetingForm,
    NewCategoryForm,
    NoteForm,
    ReassignAllForm,
    SatisfactionForm,
    StatusForm,
    staff_choices,
)
from liaison.concerns.household import contact_form as _contact_form
from liaison.concerns.models import (
    Concern,
    ConcernCategory,
    ConcernNote,
    Contact,
    MediationMeeting,
    ServiceTarget,
)
from liaison.core import kept, live, policy
from liaison.core.htmx import partial
from liaison.core.paging import OnePassPaginator
from liaison.core.policy import Want
from liaison.core.policy import concerns as concern_policy
from liaison.messaging.models import Message

# Lazy: read in the language of each request, not of the process at import.
QUEUES = {
    "mine": gettext_lazy("My concerns"),
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "unassigned": gettext_lazy("Unassigned"),
    "waiting": gettext_lazy("Waiting"),
    "all": gettext_lazy("All open"),
}


def _apply_form_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error)


# --- queues -------------------------------------------------------------------------------


@login_required
def queue(request):
    user = request.user
    if not concern_policy.can_use_queues(user):
        raise Http404
    access = policy.access_for(user)
    name = request.GET.get("queue") or ("mine" if access.is_liaison else "all")
    if name not in QUEUES:
        name = "all"
    # The rows refresh when a concern of the person's districts changes (core/live.py); read
    # before the rows, so that a change in between shows again at the next refresh.
    topics = [f"concerns:{d}" for d in sorted(access.district_ids)]
    watched = [*topics, *(["concerns:all"] if access.superuser else [])]
    watch = live.watch(request, *watched)
    query = request.GET.get("q", "").strip()[:100]
    number = request.GET.get("page") or "1"
    # The rows are drawn once and kept for this person, queue, search and page (core/kept.py)
    # while no concern, category, family or colleague they name changed and no concern of their
    # districts changed (the live topics, bumped on every change of one, by anyone); what only the
    # clock changes (due soon, overdue) shows within LIAISON_KEPT_SECONDS.
    rows = kept.part(
        "concerns-queue",
        user,
        make=lambda: _queue_rows(request, name, query),
        districts=access.district_ids,
        tables=QUEUE_TABLES,
        topics=watched,
        vary=(name, query, number[:12]),
        seconds=settings.LIAISON_KEPT_SECONDS,
    )
    return render(
        request,
        partial(request, "concerns/queue.html", "rows"),
        {
            "rows": SafeString(rows),
            "watch": watch,
            "here": urlencode({"queue": name, "q": query, "page": number[:12]}),
            "queue": name,
            "queues": QUEUES,
            "query": query,
            "can_lead": concern_policy.can_lead(user),
        },
    )


# What the queue's rows show: the concern, its category, its family and its assignee.
QUEUE_TABLES = ("concerns.Concern", "concerns.ConcernCategory", "people.Household", "people.User")


def _queue_rows(request, name: str, query: str) -> str:
    user = request.user
    qs = Concern.objects.visible_to(user)
    now = timezone.now()
    qs = {
        "mine": lambda: qs.open().assigned_to(user),
        "due_soon": lambda: qs.due_soon(now),
        "overdue": lambda: qs.overdue(now),
        "unassigned": lambda: qs.unassigned(),
        "waiting": lambda: qs.waiting(),
        "all": lambda: qs.open(),
    }[name]()
    if query:
        qs = qs.filter(Q(description__icontains=query) | Q(household__name__icontains=query))
    qs = qs.select_related("household", "category", "assignee").order_by("due_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render_to_string(
        "concerns/queue.html#rows_body", {"page": page, "query": query, "now": now}, request
    )


@login_required
@require_http_methods(["GET", "POST"])
def reassign_all(request):
    user = request.user
    if not concern_policy.can_lead(user):
        raise Http404
    staff = concern_policy.reassignable_staff(user).order_by("last_name", "first_name")
    form = ReassignAllForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        moved = services.reassign_all(
            from_user=form.cleaned_data["from_user"],
            to_user=form.cleaned_data["to_user"],
            by=user,
            concerns=Concern.objects.visible_to(user),
        )
        messages.success(
            request,
            _("%(n)d open concern(s) handed to %(name)s.")
            % {"n": moved, "name": form.cleaned_data["to_user"]},
        )
        return redirect("concerns:queue")
    return render(request, "concerns/reassign_all.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def district_settings(request):
    user = request.user
    if not concern_policy.can_edit_categories(user):
        raise Http404
    district_id = request.GET.get("district") or request.POST.get("district")
    districts = concern_policy.category_districts(user)
    district = (
        districts.filter(pk=district_id).first() if district_id and district_id.isdigit() else None
    ) or districts.first()
    if district is None:
        raise Http404
    services.ensure_district_defaults(district)
    new_form = NewCategoryForm(request.POST if request.POST.get("action") == "add" else None)
    district_categories = ConcernCategory.objects.filter(district=district)
    triage_forms = CategoryTriageFormSet(
        request.POST if request.POST.get("action") == "triage" else None,
        queryset=district_categories,
        prefix="triage",
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add" and new_form.is_valid():
            from django.utils.text import slugify

            label = new_form.cleaned_data["label"]
            code = slugify(label)[:40] or "category"
            if ConcernCategory.objects.filter(district=district, code=code).exists():
                new_form.add_error("label", _("This category exists already."))
            else:
                urgency, days = default_triage(code)
                ConcernCategory.objects.create(
                    district=district,
                    code=code,
                    label=label,
                    order=500,
                    urgency=urgency,
                    due_school_days=days,
                )
                messages.success(request, _("Category added."))
                return redirect(f"{request.path}?district={district.pk}")
        elif action == "triage" and triage_forms.is_valid():
            with transaction.atomic():
                triage_forms.save()
            messages.success(request, _("Urgency by category saved."))
            return redirect(f"{request.path}?district={district.pk}")
        elif action == "toggle":
            category = get_object_or_404(
                ConcernCategory, district=district, pk=request.POST.get("category")
            )
            category.is_active = not category.is_active
            category.save(update_fields=["is_active"])
            return redirect(f"{request.path}?district={district.pk}")
        elif action == "about_staff":
            category = get_object_or_404(
                ConcernCategory, district=district, pk=request.POST.get("category")
            )
            category.about_staff = not category.about_staff
            category.save(update_fields=["about_staff"])
            return redirect(f"{request.path}?district={district.pk}")
        elif action == "targets":
            errors = {}
            for target in ServiceTarget.objects.filter(district=district):
                value = request.POST.get(f"hours-{target.urgency}", "")
                if not value.isdigit() or int(value) < 1:
                    errors[target.urgency] = _("Enter a whole number of hours, 1 or more.")
                else:
                    target.hours = int(value)
                    target.save(update_fields=["hours"])
            if not errors:
                messages.success(request, _("Service targets saved."))
                return redirect(f"{request.path}?district={district.pk}")
            request.target_errors = errors
    targets = [
        {
            "urgency": t.urgency,
            "label": t.get_urgency_display(),
            "hours": request.POST.get(f"hours-{t.urgency}", t.hours),
            "error": getattr(request, "target_errors", {}).get(t.urgency, ""),
        }
        for t in sorted(
            ServiceTarget.objects.filter(district=district),
            key=lambda t: Urgency.values.index(t.urgency),
        )
    ]
    return render(
        request,
        "concerns/settings.html",
        {
            "district": district,
            "districts": districts,
            # The same rows as the triage table (read once).
            "categories": [form.instance for form in triage_forms],
            "triage_forms": triage_forms,
            "new_form": new_form,
            "targets": targets,
            "category_form": CategoryForm,
        },
    )


# --- a household's concerns and contacts --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request, pk):
    household = policy.open_household(request, pk, also=concern_policy.can_raise)
    students = policy.visible_students(request.user, household)
    form = ConcernForm(request.POST or None, household=household, students=students)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern = services.raise_concern(
                household=household,
                category=data["category"],
                description=data["description"],
                source=data["source"],
                raised_by=request.user,
                guardian=data["guardian"],
                students=data["students"],
                language=data["language"],
                urgency=data["urgency"],
                contact_preference=data["contact_preference"],
                assignee=request.user if data["assign_to_me"] else None,
                subject_staff=data["subject_staff"],
            )
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            if concern_policy.is_subject(request.user, concern):
                # Recorded about oneself (a family's complaint taken down by its subject): it is
                # theirs no more, so back to the family rather than to a page that answers 404.
                messages.success(
                    request, _("Concern recorded. It is about you, so others will handle it.")
                )
                return redirect(household)
            messages.success(request, _("Concern recorded."))
            return redirect(concern)
    return render(request, "concerns/concern_form.html", {"form": form, "household": household})


@login_required
def household_concerns(request, pk):
    household = policy.open_household(request, pk, log="view_concerns")
    concerns = (
        Concern.objects.visible_to(request.user)
        .filter(household=household)
        .select_related("category", "assignee")
        .order_by("-created_at")
    )
    return render(
        request,
        "concerns/household_concerns.html",
        {
            "household": household,
            "concerns": concerns,
            "can_raise": concern_policy.can_raise(request.user, household),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contacts(request, pk):
    household = policy.open_household(request, pk, also=concern_policy.can_see_contacts)
    form = _contact_form(request, household, request.POST if request.method == "POST" else None)
    calling = None
    if request.method == "GET":
        # "Call" from a thread: ?kind=call&guardian=<id> fills the form in and offers the tel: link.
        calling = _prefill_call(form, household, request.GET)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_contact(household=household, by=request.user, **data)
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, _("Contact logged."))
            if data["follow_up_on"]:
                messages.info(
                    request,
                    _("You will be reminded on %(day)s.")
                    % {"day": data["follow_up_on"].strftime("%Y-%m-%d")},
                )
            return redirect((request.POST.get("next") == "household" and household) or request.path)
    policy.record(
        request,
        kind="household",
        object_id=household.pk,
        household_id=household.pk,
        action="view_contacts",
    )
    page = OnePassPaginator(
        Contact.objects.filter(household=household).select_related("by", "guardian", "interpreter"),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "concerns/contacts.html",
        {"household": household, "form": form, "page": page, "calling": calling},
    )


def _prefill_call(form, household, params):
    """The guardian a "Call" link names (one of this household's active guardians, else nobody),
    set on the form with the kind of contact; unknown or hostile values are ignored."""
    kind = params.get("kind", "")
    if kind in ContactKind.values:
        form.initial["kind"] = kind
    raw = params.get("guardian", "")
    if not raw.isdigit():
        return None
    guardian = household.guardians.filter(is_active=True, pk=int(raw)).first()
    if guardian is None:
        return None
    form.initial["guardian"] = guardian.pk
    return guardian


@login_required
@require_http_methods(["GET", "POST"])
def from_message(request, pk):
    """Turn a family's message in the household thread into a concern, in one step."""

    message = get_object_or_404(
        Message.objects.select_related("conversation__household", "guardian"),
        pk=pk,
        conversation__isnull=False,
    )
    household = policy.open_household(
        request, message.conversation.household_id, also=concern_policy.can_raise
    )
    existing = Concern.objects.filter(source_message_id=message.pk).first()
    if existing is not None:
        return redirect(existing)
    form = FromMessageForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        concern = services.raise_concern_from_message(
            message=message,
            by=request.user,
            category=form.cleaned_data["category"],
            urgency=form.cleaned_data["urgency"] or None,
            assignee=request.user if form.cleaned_data["assign_to_me"] else None,
        )
        messages.success(request, _("The message is now a concern."))
        return redirect(concern)
    return render(
        request,
        "concerns/from_message.html",
        {"form": form, "household": household, "message": message},
    )


def thread_message_actions(user, conversation, messages) -> dict[int, list[tuple[str, str]]]:
    """Beside each family message on the staff thread page: make it a concern, or open the one it
    became. One policy answer and one query for the whole thread."""
    if not concern_policy.can_raise(user, conversation.household):
        return {}
    made = dict(
        Concern.objects.filter(source_message_id__in=[m.pk for m in messages]).values_list(
            "source_message_id", "pk"
        )
    )
    out = {}
    for m in messages:
        if m.pk in made:
            label = _("Concern #%(number)s") % {"number": made[m.pk]}
            out[m.pk] = [(label, reverse("concerns:detail", args=[made[m.pk]]))]
        else:
            out[m.pk] = [(_("Make this a concern"), reverse("concerns:from_message", args=[m.pk]))]
    return out


# --- one concern --------------------------------------------------------------------------


def _detail_context(request, concern, **forms):
    user = request.user
    can_work = concern_policy.can_work_on(user, concern)
    notes = (
        ConcernNote.objects.filter(concern=concern)
        .filter(concern_policy.note_filter(user, concern.household))
        .select_related("author")
    )
    allowed = sorted(TRANSITIONS[Status(concern.status)], key=Status.values.index)
    status_form = forms.get("status_form") or StatusForm(
        initial={"resolution_summary": concern.resolution_summary, "outcome": concern.outcome},
        current_outcome=concern.outcome,
    )
    status_form.fields["status"].choices = [(s, Status(s).label) for s in allowed]
    return {
        "concern": concern,
        "household": concern.household,
        "students": concern.students.filter(
            pk__in=policy.visible_students(user, concern.household).values("pk")
        ),
        "notes": notes,
        "meetings": concern.meetings.select_related("interpreter"),
        "contacts": concern.contacts.select_related("by"),
        "history": concern.changes.all(),
        "can_work": can_work,
        "status_form": status_form,
        "assign_form": forms.get("assign_form")
        or AssignForm(
            district=concern.district,
            subject_staff_id=concern.subject_staff_id,
            initial={"assignee": concern.assignee_id},
        ),
        "edit_form": forms.get("edit_form")
        or ConcernEditForm(
            concern=concern, initial={"category": concern.category_id, "urgency": concern.urgency}
        ),
        "note_form": forms.get("note_form") or NoteForm(),
        "satisfaction_form": forms.get("satisfaction_form") or SatisfactionForm(),
        "resolved": concern.status in (Status.RESOLVED, Status.CLOSED),
        "now": timezone.now(),
    }


# The parts of a concern's page that refresh themselves when it changes (core/live.py): the head
# (status, urgency, due, assignee) and the history. Forms are left alone, a half-written note too.
LIVE_PARTS = ("head", "history")


@login_required
def detail(request, pk):
    concern = policy.open_concern(request, pk, log=True)
    # Read before the concern is shown: a change in between shows again at the next refresh.
    watch = live.watch(request, f"concern:{concern.pk}")
    context = {**_detail_context(request, concern), "watch": watch}
    part = request.GET.get("part")
    template = "concerns/detail.html"
    if part in LIVE_PARTS:
        template = partial(request, template, part)
    return render(request, template, context)


@login_required
def detail_json(request, pk):
    """The concern as JSON (for integrations): what this person may read, nothing more."""
    concern = policy.open_concern(request, pk, log=True)
    notes = ConcernNote.objects.filter(concern=concern).filter(
        concern_policy.note_filter(request.user, concern.household)
    )
    return JsonResponse(
        {
            "id": concern.pk,
            "household": concern.household_id,
            "category": concern.category.code,
            "description": concern.description,
            "language": concern.language,
            "urgency": concern.urgency,
            "status": concern.status,
            "assignee": str(concern.assignee or ""),
            "due_at": concern.due_at.isoformat(),
            "resolution_summary": concern.resolution_summary,
            "satisfaction": concern.satisfaction,
            "notes": [
                {
                    "at": n.created_at.isoformat(),
                    "author": str(n.author or ""),
                    "body": n.body,
                    "confidential": n.restricted,
                }
                for n in notes.select_related("author")
            ],
        }
    )


def _rerender(request, concern, **forms):
    return render(
        request, "concerns/detail.html", _detail_context(request, concern, **forms), status=400
    )


def _act_on(request, concern, form, name: str, action, done: str):
    """One form of the concern page: a valid form runs `action(**cleaned_data)` and goes back to
    the concern saying `done`; the service's refusal or the form's errors re-render the page with
    this form as it was filled (`name`: the page's name for it)."""
    if form.is_valid():
        try:
            action(**form.cleaned_data)
        except ValidationError as error:
            _apply_form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(concern)
    return _rerender(request, concern, **{name: form})


@login_required
@require_POST
def change_status(request, pk):
    concern = policy.open_concern(request, pk, Want.EDIT)
    form = StatusForm(request.POST, current_outcome=concern.outcome)

    def change(**data):
        services.change_status(concern=concern, by=request.user, **data)

    return _act_on(request, concern, form, "status_form", change, _("Status changed."))


@login_required
@require_POST
def assign(request, pk):
    concern = policy.open_concern(request, pk, Want.EDIT)
    form = AssignForm(
        request.POST, district=concern.district, subject_staff_id=concern.subject_staff_id
    )

    def assign_to(*, assignee):
        services.assign_concern(concern=concern, assignee=assignee, by=request.user)

    return _act_on(request, concern, form, "assign_form", assign_to, _("Concern assigned."))


@login_required
@require_POST
def edit(request, pk):
    concern = policy.open_concern(request, pk, Want.EDIT)
    form = ConcernEditForm(request.POST, concern=concern)

    def update(**data):
        services.update_concern(concern=concern, by=request.user, **data)

    return _act_on(request, concern, form, "edit_form", update, _("Concern updated."))


@login_required
@require_POST
def add_note(request, pk):
    concern = policy.open_concern(request, pk, Want.EDIT)
    form = NoteForm(request.POST)

    def add(**data):
        services.add_note(concern=concern, by=request.user, **data)

    return _act_on(request, concern, form, "note_form", add, _("Note added."))


@login_required
@require_POST
def satisfaction(request, pk):
    concern = policy.open_concern(request, pk, Want.EDIT)
    if request.POST.get("action") == "ask":
        try:
            sent = services.ask_satisfaction(concern=concern, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            if sent:
                messages.success(request, _("The family has been asked in their language."))
            else:
                messages.warning(
                    request,
                    _("The question could not be sent; ask the family and record their answer."),
                )
        return redirect(concern)
    form = SatisfactionForm(request.POST)

    def record(**data):
        services.record_satisfaction(concern=concern, by=request.user, **data)

    done = _("The family's answer is recorded.")
    return _act_on(request, concern, form, "satisfaction_form", record, done)


# --- mediation meetings -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, pk):
    concern = policy.open_concern(request, pk, Want.EDIT)
    form = MeetingForm(request.POST or None, concern=concern)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        agreements = data.pop("agreements")
        meeting = services.plan_meeting(concern=concern, by=request.user, **data)
        if agreements:
            services.update_meeting(meeting=meeting, by=request.user, agreements=agreements)
        messages.success(request, _("Meeting saved."))
        return redirect(meeting)
    return render(request, "concerns/meeting_form.html", {"form": form, "concern": concern})


def _open_meeting(request, pk, want=Want.SEE) -> MediationMeeting:
    """A mediation meeting, through its concern's door."""
    # Its guardians and staff come along: the facts list and the form's initial ticks read them.
    meeting = get_object_or_404(
        MediationMeeting.objects.select_related("concern", "interpreter").prefetch_related(
            "guardians", "staff"
        ),
        pk=pk,
    )
    meeting.concern = policy.open_concern(request, meeting.concern_id, want)
    return meeting


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request, pk):
    meeting = _open_meeting(request, pk)
    concern = meeting.concern
    can_work = concern_policy.can_work_on(request.user, concern)
    if request.method == "POST" and not can_work:
        raise Http404
    # The district's staff, read once for the meeting's staff and the follow-up's owner.
    staff = list(staff_choices(concern.district, roles=WORKING_ROLES)) if can_work else []
    form = (
        MeetingForm(request.POST or None, instance=meeting, concern=concern, staff_read=staff)
        if can_work
        else None
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        services.update_meeting(meeting=meeting, by=request.user, **data)
        messages.success(request, _("Meeting saved."))
        return redirect(meeting)
    if request.method == "GET":
        policy.record(
            request, kind="concern", object_id=concern.pk, household_id=concern.household_id
        )
    return render(
        request,
        "concerns/meeting.html",
        {
            "meeting": meeting,
            "concern": concern,
            "form": form,
            "can_work": can_work,
            "action_form": FollowUpActionForm(district=concern.district, staff_read=staff),
            "actions": meeting.actions.select_related("owner"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def meeting_action(request, pk):
    meeting = _open_meeting(request, pk, Want.EDIT)
    concern = meeting.concern
    form = FollowUpActionForm(request.POST, district=concern.district)
    if form.is_valid():
        services.add_follow_up_action(meeting=meeting, by=request.user, **form.cleaned_data)
        messages.success(request, _("Follow-up action added."))
        return redirect(meeting)
    return render(
        request,
        "concerns/meeting.html",
        {
            "meeting": meeting,
            "concern": concern,
            "form": MeetingForm(instance=meeting, concern=concern),
            "can_work": True,
            "action_form": form,
            "actions": meeting.actions.select_related("owner"),
        },
        status=400,
    )


@login_required
@require_POST
def meeting_send(request, pk):
    meeting = _open_meeting(request, pk, Want.EDIT)
    try:
        sent = services.send_meeting_summary(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if sent:
            messages.success(request, _("The summary was sent to the family in their language."))
        else:
            messages.warning(
                request, _("The summary could not be sent: nobody in the family can be messaged.")
            )
    return redirect(meeting)
