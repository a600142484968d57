"""Staff workspace: my caseload, household search, and the household, guardian and student pages."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liaison.core import kept, pages, policy, reads
from liaison.core.htmx import is_htmx
from liaison.core.paging import OnePassPaginator
from liaison.core.params import datetime_param
from liaison.core.policy import Want
from liaison.people import caseload as caseload_list
from liaison.people import services
from liaison.people.forms import (
    AssignForm,
    BreakGlassForm,
    CaseloadFilterForm,
    GuardianForm,
    HouseholdForm,
    StudentForm,
)
from liaison.people.models import Enrolment, Guardian, Household, Site, Student
from liaison.people.search import TABLES as SEARCH_TABLES
from liaison.people.search import search_households


@login_required
def caseload(request):
    """A working list: sorted and filtered by last two-way contact, language, site, grade, open
    items and at-risk reason; each row tells look-alike households apart (people's household_label)."""
    user = request.user
    access = policy.access_for(user)
    if access.is_liaison:
        heading = _("My caseload")
    elif access.is_teacher and not access.works_with_families:
        heading = _("My students' families")
    else:
        heading = _("Households")
    # The list is drawn once and kept for this person and these filters (core/kept.py) while
    # none of the tables it reads (people.caseload.TABLES: the families, their members, sites and
    # assignments, and what the apps' columns read) changed in their districts.
    query = sorted((k, tuple(request.GET.getlist(k))) for k in request.GET)
    body = kept.part(
        "caseload",
        user,
        make=lambda: _caseload_body(request, heading),
        districts=access.district_ids,
        tables=(caseload_list.TABLES,),
        vary=(query,),
        seconds=settings.LIAISON_KEPT_SECONDS,
    )
    return render(request, "people/caseload.html", {"heading": heading, "body": SafeString(body)})


def _caseload_body(request, heading):
    user = request.user
    access = policy.access_for(user)
    if access.is_liaison:
        qs = Household.objects.in_caseload_of(user)
    else:
        qs = Household.objects.visible_to(user)
    qs = qs.filter(is_active=True)
    now = timezone.now()
    # The at-risk reasons the list can be filtered by, each with how many of its families it flags.
    reasons = caseload_list.risk_reasons(user, now=now)
    flagged = caseload_list.count_by_reason(qs, reasons)
    form = CaseloadFilterForm(
        request.GET or None,
        sites=Site.objects.filter(district_id__in=access.district_ids, is_active=True),
        languages=Guardian.objects.filter(household__in=qs, is_active=True)
        .order_by()
        .values_list("preferred_language", flat=True)
        .distinct(),
        reasons=[(r.key, r.label, flagged[r.key]) for r in reasons],
    )
    filters = form.filters() if form.is_bound else {}
    # The children and open items only for those who work with the family (not its teachers).
    rows = caseload_list.working_list(qs, now=now, reasons=reasons, **filters)
    rows = rows.select_related("site")
    rows = rows.with_labels(children=access.works_with_families)
    page = OnePassPaginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_to_string(
        "people/_caseload_body.html",
        {
            "page": page,
            "heading": heading,
            "form": form,
            "filtered": bool(filters),
            "open_kinds": caseload_list.open_item_kinds(),
            "query": query.urlencode(),
        },
        request,
    )


@login_required
def search(request):
    query = request.GET.get("q", "")[:100]
    user = request.user
    results = ""
    if query:
        # The results of a query are kept for this person (core/kept.py) while none of the tables
        # they are found in and shown from (people.search.TABLES) changed in their districts: the
        # same name looked up again is answered from the cache, whatever texts, calls and
        # deliveries were written meanwhile.
        results = kept.part(
            "search",
            user,
            make=lambda: render_to_string(
                "people/search.html#results",
                {"query": query, "results": search_households(user, query)},
                request,
            ),
            districts=policy.access_for(user).district_ids,
            tables=(SEARCH_TABLES,),
            vary=(query,),
            seconds=settings.LIAISON_KEPT_SECONDS,
        )
    if is_htmx(request):
        return HttpResponse(results)
    return render(
        request, "people/search.html", {"query": query, "results_html": SafeString(results)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_reason(request, pk):
    """Break the glass: a liaison says why they open a family off their caseload, then goes on to
    `next` (the page they were opening; the household page by default). The door sends people
    here (in place, on the household page) when a reason is needed."""
    household = policy.fetch_household(request.user, pk)
    home = household.get_absolute_url()
    next_url = request.POST.get("next") or request.GET.get("next") or home
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = home
    if policy.reason_given(request, household):
        return redirect(next_url)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        policy.break_glass(request, household, form.cleaned_data["reason"])
        return redirect(next_url)
    return render(
        request,
        "people/break_glass.html",
        {"household": household, "form": form, "next": next_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def household(request, pk):
    # A POST here is the reason form of the page's earlier versions: the door answers it (the
    # reason view, in place) while a reason is needed; the page itself is only read.
    household = policy.open_household(request, pk)
    if request.method == "POST":
        return HttpResponse(status=405)
    policy.record(
        request,
        kind="household",
        object_id=household.pk,
        household_id=household.pk,
        reason=policy.glass_reason(request, household),
    )
    user = request.user
    full = policy.full_view(user, household)
    # What the door let through is drawn once and kept for this person (core/kept.py) while
    # nothing it shows changed: no row of this family (of any table whose rows belong to one), and
    # none of the tables the page and its panels name that belong to no family (the staff, sites,
    # categories, events...: pages.kept_tables) in the district. Writes about other families leave
    # it kept. The door and the access-log row above run every time.
    body = kept.part(
        f"household:{household.pk}",
        user,
        make=lambda: kept.unbind_csrf(_household_body(request, household, full=full)),
        districts=[household.district_id],
        households=[household.pk],
        tables=(pages.kept_tables("household"),),
        vary=(full,),
        seconds=settings.LIAISON_KEPT_SECONDS,
    )
    return render(
        request,
        "people/household.html",
        {"household": household, "body": SafeString(kept.bind_csrf(request, body))},
    )


def _household_body(request, household, *, full: bool) -> str:
    """The household page's content for this viewer: the family, the team, the apps' panels and
    the timeline."""
    user = request.user
    # The family's guardians and children, read once: the panels and the timeline's providers take
    # them from the household (household.guardians.all(), policy.visible_students) at no cost.
    _read_members(household, children=full)
    guardians = household.guardians.all()
    students = (
        household.students.all()
        if full
        else policy.visible_students(user, household)
        .prefetch_related(Prefetch("enrolments", Enrolment.objects.select_related("site")))
        .order_by("family_name", "given_name")
    )
    # What the team card, the panels and the timeline show is read in one query (core/reads.py):
    # the panels and the team ask for their rows first; the timeline reads them all with its own.
    with reads.together():
        assignments = reads.later(household.assignments.current().select_related("staff"))
        household_panels = pages.panels("household", request, household)
        entries = pages.timeline("household", household, user, limit=25)
    context = {
        "household": household,
        "guardians": guardians,
        "students": students,
        "assignments": assignments,
        "full": full,
        "can_edit": policy.can_edit_household(user, household),
        "can_assign": policy.can_manage_caseloads(user),
        "restricted": [g for g in guardians if g.contact_restricted],
        "entries": entries,
        "timeline_kinds": pages.timeline_kinds("household"),
        "household_actions": pages.actions("household", request, household),
        "household_panels": household_panels,
    }
    return render_to_string("people/_household_body.html", context, request)


def _read_members(household, *, children: bool) -> None:
    """Prefetch the household's guardians (active first, by name) and, for a viewer who sees every
    child, its students (by name, with their enrolments' sites and their programmes)."""
    lookups: list[Prefetch[Any, Any, Any]] = [
        Prefetch(
            "guardians",
            Guardian.objects.order_by("-is_active", "family_name", "given_name"),
        )
    ]
    if children:
        lookups.append(
            Prefetch(
                "students",
                Student.objects.order_by("family_name", "given_name").prefetch_related(
                    Prefetch("enrolments", Enrolment.objects.select_related("site")),
                    "programmes",
                ),
            )
        )
    prefetch_related_objects([household], *lookups)


@login_required
def household_timeline(request, pk):
    household = policy.open_household(request, pk)
    before = datetime_param(request, "before")
    kinds = [k for k in request.GET.getlist("kind") if k in pages.timeline_kinds("household")]
    entries = pages.timeline(
        "household", household, request.user, before=before, limit=25, kinds=kinds
    )
    return render(
        request,
        "people/_household_body.html#timeline",
        {
            "household": household,
            "entries": entries,
            "timeline_kinds": pages.timeline_kinds("household"),
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
        instance = policy.open_household(request, pk, Want.EDIT)
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
    household = policy.open_household(request, pk, Want.ASSIGN)
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
    guardian = policy.open_guardian(request, pk, log=True)
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
            "guardian_panels": pages.panels("guardian", request, guardian),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def guardian_edit(request, pk=None, household_pk=None):
    if pk is not None:
        instance = policy.open_guardian(request, pk, Want.EDIT)
        household = instance.household
    else:
        instance = None
        household = policy.open_household(request, household_pk, Want.EDIT)
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
    student = policy.open_student(request, pk, log=True)
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
            "student_panels": pages.panels("student", request, student),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def student_edit(request, pk=None, household_pk=None):
    user = request.user
    if pk is not None:
        instance = policy.open_student(request, pk, Want.EDIT)
        household = instance.household
    else:
        instance = None
        household = policy.open_household(request, household_pk, Want.EDIT)
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
