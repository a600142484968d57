"""Today (the staff home page), the navigation's counts, and acting on a task in place."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liaison.core import live, policy, today
from liaison.core.htmx import is_htmx
from liaison.worklist import rows, services
from liaison.worklist.forms import (
    CompleteForm,
    ReassignForm,
    SnoozeForm,
    TaskForm,
    colleague_list,
)
from liaison.worklist.models import Task

CHANGED = "today-changed"  # the event that makes the navigation's counts ask again


# The rows Today shows at first, most pressing first: the page costs the same however long the
# queue ("Show all" lists the rest).
SHOWN = 25


def home(request: HttpRequest) -> HttpResponse:
    """Today for signed-in staff; the sign-in page for anyone else."""
    if not request.user.is_authenticated:
        return redirect("login")
    day = timezone.localdate()
    queue = today.queue(request.user, today=day)
    items = queue if request.GET.get("all") == "1" else queue[:SHOWN]
    # asked when the queue holds a task, shown or not: the same queries page after page
    people = colleague_list(request.user) if any(i.task_id for i in queue) else []
    return render(
        request,
        "worklist/today.html",
        {
            "items": items,
            "rows": rows.rows(items, request=request, colleagues=bool(people), now=timezone.now()),
            "total": len(queue),
            "more": len(queue) - len(items),
            "today": day,
            "colleagues": people,
        },
    )


@login_required
@require_GET
def counts(request: HttpRequest) -> HttpResponse:
    """The navigation's counts, a live part (core/live.py): while the writes they depend on have
    not bumped their topics, its poll is answered 304 before the session is read; after one, the
    numbers come from the live cache once each person has counted them again."""
    watch = live.watch(request, *today.count_topics(request.user))
    numbers = today.counts(request.user, today=timezone.localdate(), version=watch.version)
    return render(request, "worklist/_counts.html", {"counts": numbers, "watch": watch})


def _open_task(request: HttpRequest, pk: int) -> Task:
    """A task this person may act on: through the family's door when it is about a family (those
    who may change the family's record), else only its owner or whoever made it."""
    task: Task | None = Task.objects.select_related("household", "owner").filter(pk=pk).first()
    if task is None:
        raise Http404
    if task.household_id is not None:
        policy.open_household(request, task.household_id, policy.Want.EDIT)
    elif request.user.pk not in (task.owner_id, task.created_by_id):
        raise Http404
    return task


def _answer(request: HttpRequest, task: Task, done_text: str, form: Any = None) -> HttpResponse:
    """htmx: the row in its new state (or with the form's errors); else back to Today."""
    if form is not None and form.errors:
        if not is_htmx(request):
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("home")
        people = colleague_list(request.user)
        return HttpResponse(
            rows.task_row(
                task.pk,
                actions=rows.TaskActions(request, colleagues=bool(people)),
                body=rows.task_title(task),
                errors=[e for errors in form.errors.values() for e in errors],
                after=render_to_string("worklist/_colleagues.html", {"colleagues": people}),
            )
        )
    if not is_htmx(request):
        messages.success(request, done_text)
        return redirect("home")
    response = render(request, "worklist/_task_done.html", {"task": task, "text": done_text})
    response["HX-Trigger"] = CHANGED
    return response


def _apply(form: Any, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _open_task(request, pk)
    form = CompleteForm(request.POST)
    if form.is_valid():
        try:
            services.complete(task=task, outcome=form.cleaned_data["outcome"], by=request.user)
        except ValidationError as error:
            _apply(form, error)
    return _answer(request, task, _("Done: %(task)s") % {"task": task.title}, form)


@login_required
@require_POST
def snooze(request: HttpRequest, pk: int) -> HttpResponse:
    task = _open_task(request, pk)
    form = SnoozeForm(request.POST)
    if form.is_valid():
        try:
            services.snooze(task=task, until=form.cleaned_data["until"], by=request.user)
        except ValidationError as error:
            _apply(form, error)
    text = ""
    if not form.errors:
        text = _("Snoozed until %(day)s: %(task)s") % {
            "day": _day(task.snoozed_until),
            "task": task.title,
        }
    return _answer(request, task, text, form)


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _open_task(request, pk)
    form = ReassignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.reassign(task=task, owner=form.cleaned_data["owner"], by=request.user)
        except ValidationError as error:
            _apply(form, error)
    text = (
        ""
        if form.errors
        else _("Handed to %(owner)s: %(task)s")
        % {
            "owner": task.owner,
            "task": task.title,
        }
    )
    return _answer(request, task, text, form)


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, pk: int) -> HttpResponse:
    """A task by hand about a family, for oneself."""
    household = policy.open_household(request, pk, policy.Want.EDIT)
    form = TaskForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.create_task(
            owner=request.user,
            household=household,
            by=request.user,
            **form.cleaned_data,
        )
        messages.success(request, _("Task added."))
        return redirect(household)
    tasks = (
        Task.objects.filter(household=household)
        .filter(Q(done_at__isnull=True))
        .select_related("owner")
        .order_by("due_on", "pk")[:50]
    )
    return render(
        request, "worklist/new.html", {"household": household, "form": form, "tasks": tasks}
    )


def _day(day: Any) -> str:
    return date_format(day, "DATE_FORMAT") if day else ""
