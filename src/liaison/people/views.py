"""Staff workspace: my caseload, household search, and the household, guardian and student pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liaison.audit.models import AccessLog
from liaison.audit.services import record_access, record_household_view
from liaison.core import policy
from liaison.core.paging import OnePassPaginator
from liaison.core.params import datetime_param
from liaison.people import panels, services, timeline
from liaison.people.forms import (
    AssignForm,
    BreakGlassForm,
    GuardianForm,
    HouseholdForm,
    StudentForm,
)
from liaison.people.models import Guardian, Household, Student
from liaison.people.search import search_households

GLASS_SESSION_KEY = "liaison_glass"


def _household_or_404(user, pk) -> Household:
    qs = Household.objects.select_related("district", "site")
    # A liaison's own family or an admin's district is in scope without the full scope filter
    # (three correlated subqueries to build and run); everyone else goes through it.
    if policy.may_skip_scope_filter(user):
        household = qs.filter(pk=pk).first()
        if household is not None and policy.in_scope_cheaply(user, household):
            return household
    return get_object_or_404(qs.filter(policy.household_filter(user)), pk=pk)


def _glass_ok(request, household) -> bool:
    if not policy.needs_reason_to_open(request.user, household):
        return True
    return str(household.pk) in request.session.get(GLASS_SESSION_KEY, {})


@login_required
def caseload(request):
    user = request.user
    access = policy.access_for(user)
    if access.is_liaison:
        qs = Household.objects.in_caseload_of(user)
        heading = _("My caseload")
    elif access.is_teacher and not access.works_with_families:
        qs = Household.objects.visible_to(user)
        heading = _("My students' families")
    else:
        qs = Household.objects.visible_to(user)
        heading = _("Households")
    qs = qs.filter(is_active=True).select_related("site").prefetch_related("guardians")
    if access.works_with_families:  # the row lists the children only for them
        qs = qs.prefetch_related("students")
    page = OnePassPaginator(qs.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "people/caseload.html", {"page": page, "heading": heading})


@login_required
def search(request):
    query = request.GET.get("q", "")[:100]
    results = search_households(request.user, query) if query else []
    template = (
        "people/search.html#results" if request.headers.get("HX-Request") else "people/search.html"
    )
    return render(request, template, {"query": query, "results": results})


@login_required
@require_http_methods(["GET", "POST"])
@policy.answers_kept()
def household(request, pk):
    household = _household_or_404(request.user, pk)
    if not _glass_ok(request, household):
        form = BreakGlassForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reasons = request.session.get(GLASS_SESSION_KEY, {})
            reasons[str(household.pk)] = form.cleaned_data["reason"]
            request.session[GLASS_SESSION_KEY] = reasons
            record_household_view(
                request, household, action="break_glass", reason=form.cleaned_data["reason"]
            )
            return redirect(household)
        return render(request, "people/break_glass.html", {"household": household, "form": form})
    if request.method == "POST":
        return HttpResponse(status=405)
    record_household_view(
        request,
        household,
        reason=request.session.get(GLASS_SESSION_KEY, {}).get(str(household.pk), ""),
    )
    user = request.user
    full = policy.full_view(user, household)
    students = (
        policy.visible_students(user, household)
        .prefetch_related("enrolments__site", "programmes")
        .order_by("family_name", "given_name")
    )
    guardians = household.guardians.order_by("-is_active", "family_name", "given_name")
    assignments = household.assignments.current().select_related("staff")
    context = {
        "household": household,
        "guardians": guardians,
        "students": students,
        "assignments": assignments,
        "full": full,
        "can_edit": policy.can_edit_household(user, household),
        "can_assign": policy.can_manage_caseloads(user),
        "restricted": [g for g in guardians if g.contact_restricted],
        "entries": timeline.entries_for(household, user, limit=25),
        "timeline_kinds": timeline.KIND_LABELS,
        "household_actions": panels.actions_for(request, household),
        "household_panels": panels.panels_for(request, household),
    }
    return render(request, "people/household.html", context)


@login_required
@policy.answers_kept()
def household_timeline(request, pk):
    household = _household_or_404(request.user, pk)
    if not _glass_ok(request, household):
        return redirect(household)
    before = datetime_param(request, "before")
    kinds = [k for k in request.GET.getlist("kind") if k in timeline.KIND_LABELS]
    entries = timeline.entries_for(household, request.user, before=before, limit=25, kinds=kinds)
    return render(
        request,
        "people/household.html#timeline",
        {
            "household": household,
            "entries": entries,
            "timeline_kinds": timeline.KIND_LABELS,
            "kinds": kinds,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk=None):
    user = request.user
    if pk is None:
        if not policy.can_create_household(user):
            raise Http404
        instance = None
    else:
        instance = _household_or_404(user, pk)
        if not policy.can_edit_household(user, instance):
            raise Http404
        if not _glass_ok(request, instance):
            return redirect(instance)
    form = HouseholdForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        household = form.save(commit=False)
        if instance is None:
            site = form.cleaned_data.get("site")
            household.district_id = (
                site.district_id if site else next(iter(policy.access_for(user).district_ids))
            )
        household.save()
        messages.success(request, _("Household saved."))
        return redirect(household)
    return render(request, "people/household_form.html", {"form": form, "household": instance})


@login_required
@require_http_methods(["GET", "POST"])
def household_assign(request, pk):
    household = _household_or_404(request.user, pk)
    if not policy.can_manage_caseloads(request.user):
        raise Http404
    if not _glass_ok(request, household):
        return redirect(household)
    candidates = services.suggest_liaisons(household)
    form = AssignForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        services.assign_household(
            household=household,
            staff=form.cleaned_data["staff"],
            by=request.user,
            note=form.cleaned_data["note"],
        )
        messages.success(
            request, _("Household assigned to %(name)s.") % {"name": form.cleaned_data["staff"]}
        )
        return redirect(household)
    return render(
        request,
        "people/assign.html",
        {"household": household, "form": form, "candidates": candidates},
    )


@login_required
def guardian(request, pk):
    guardian = get_object_or_404(
        Guardian.objects.visible_to(request.user).select_related("household"), pk=pk
    )
    if not _glass_ok(request, guardian.household):
        return redirect(guardian.household)
    record_access(
        request,
        kind=AccessLog.Kind.GUARDIAN,
        object_id=guardian.pk,
        household_id=guardian.household_id,
    )
    links = guardian.student_links.filter(
        student__in=Student.objects.visible_to(request.user)
    ).select_related("student")
    return render(
        request,
        "people/guardian.html",
        {
            "guardian": guardian,
            "links": links,
            "full": policy.full_view(request.user, guardian.household),
            "can_edit": policy.can_edit_household(request.user, guardian.household),
            "guardian_panels": panels.guardian_panels_for(request, guardian),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def guardian_edit(request, pk=None, household_pk=None):
    user = request.user
    if pk is not None:
        instance = get_object_or_404(
            Guardian.objects.visible_to(user).select_related("household"), pk=pk
        )
        household = instance.household
    else:
        instance = None
        household = _household_or_404(user, household_pk)
    if not policy.can_edit_household(user, household):
        raise Http404
    if not _glass_ok(request, household):
        return redirect(household)
    form = GuardianForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            guardian = form.save(commit=False)
            guardian.household = household
            guardian.save()
            if instance is None:
                for student in household.students.all():
                    guardian.student_links.get_or_create(
                        student=student, defaults={"relationship": guardian.relationship}
                    )
        messages.success(request, _("Guardian saved."))
        return redirect(household)
    return render(
        request,
        "people/guardian_form.html",
        {"form": form, "household": household, "guardian": instance},
    )


@login_required
def student(request, pk):
    student = get_object_or_404(
        Student.objects.visible_to(request.user).select_related("household"), pk=pk
    )
    if student.household_id and not _glass_ok(request, student.household):
        return redirect(student.household)
    record_access(
        request,
        kind=AccessLog.Kind.STUDENT,
        object_id=student.pk,
        household_id=student.household_id,
    )
    return render(
        request,
        "people/student.html",
        {
            "student": student,
            "enrolments": student.enrolments.select_related("site").order_by(
                "-is_active", "-starts_on"
            ),
            "programmes": student.programmes.all()
            if policy.can_see_programmes(request.user, student)
            else None,
            "links": student.guardian_links.select_related("guardian"),
            "can_edit": student.household_id
            and policy.can_edit_household(request.user, student.household),
            "student_panels": panels.student_panels_for(request, student),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def student_edit(request, pk=None, household_pk=None):
    user = request.user
    if pk is not None:
        instance = get_object_or_404(
            Student.objects.visible_to(user).select_related("household"), pk=pk
        )
        household = instance.household
    else:
        instance = None
        household = _household_or_404(user, household_pk)
    if household is None or not policy.can_edit_household(user, household):
        raise Http404
    if not _glass_ok(request, household):
        return redirect(household)
    form = StudentForm(request.POST or None, instance=instance, user=user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            student = form.save(commit=False)
            student.household = household
            student.district_id = household.district_id
            services.save_student(
                student=student,
                site=form.cleaned_data["site"],
                programmes=form.cleaned_data["programmes"],
                by=user,
            )
            if instance is None:
                for guardian in household.guardians.filter(is_active=True):
                    guardian.student_links.get_or_create(
                        student=student, defaults={"relationship": guardian.relationship}
                    )
        messages.success(request, _("Student saved."))
        return redirect(household)
    return render(
        request,
        "people/student_form.html",
        {"form": form, "household": household, "student": instance},
    )
