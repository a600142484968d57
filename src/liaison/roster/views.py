"""Roster pages for district admins: upload and follow imports, activate imported staff, merge and split households."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core import policy as door
from liaison.core.htmx import partial
from liaison.core.policy import roster as policy
from liaison.people.models import District, User
from liaison.roster import services
from liaison.roster.choices import Severity
from liaison.roster.forms import MergeForm, SplitForm, UploadForm
from liaison.roster.households_csv import template_csv
from liaison.roster.models import ImportRun

SHOWN = 500  # issues of each kind listed on the run page; the CSV has them all


def _admin_or_404(request):
    if not policy.can_import(request.user):
        raise Http404


def _run_or_404(request, pk):
    run = get_object_or_404(ImportRun, pk=pk)
    if not policy.can_see_run(request.user, run):
        raise Http404
    return run


@login_required
def imports(request):
    _admin_or_404(request)
    district_ids = policy.admin_district_ids(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        district = District.objects.filter(pk__in=district_ids).order_by("pk").first()
        run = services.start_import(
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            district=district,
            dry_run=form.cleaned_data["dry_run"],
            by=request.user,
        )
        return redirect("roster:run", pk=run.pk)
    runs = ImportRun.objects.for_districts(district_ids).select_related("started_by")[:20]
    return render(request, "roster/imports.html", {"form": form, "runs": runs})


@login_required
def households_template(request):
    _admin_or_404(request)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="households-template.csv"'
    return response


@login_required
def run_detail(request, pk):
    run = _run_or_404(request, pk)
    context = {"run": run}
    if run.finished:
        # rows rejected whole apart from rows kept without a field or link: 500 of each here,
        # all of them in the CSV
        for key, severity in (("rejected", Severity.REJECTED), ("warnings", Severity.WARNING)):
            rows = run.rejected_rows.filter(severity=severity)
            context[key] = rows[:SHOWN]
            context[f"more_{key}"] = max(0, run.total(key) - SHOWN)
    return render(request, partial(request, "roster/run.html", "status"), context)


@login_required
def run_rejected_csv(request, pk):
    run = _run_or_404(request, pk)
    response = HttpResponse(services.rejected_rows_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejected.csv"'
    return response


@login_required
def staff(request):
    _admin_or_404(request)
    pending = services.pending_staff(policy.admin_district_ids(request.user)).prefetch_related(
        "memberships__site"
    )
    return render(request, "roster/staff.html", {"pending": pending})


@login_required
@require_POST
def staff_activate(request, pk):
    _admin_or_404(request)
    user = get_object_or_404(services.pending_staff(policy.admin_district_ids(request.user)), pk=pk)
    services.activate_staff(user=user, by=request.user)
    messages.success(
        request,
        _("%(name)s can now sign in: they set a password with “Forgot your password?”.")
        % {"name": user.get_full_name() or user.username},
    )
    return redirect("roster:staff")


def _open_household(request, pk):
    # these pages list the family's members: an access to their record
    return door.open_household(request, pk, also=policy.can_arrange_household, log="view")


@login_required
def household_merge(request, pk):
    household = _open_household(request, pk)
    form = MergeForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        services.merge_households(keep=household, merge=form.cleaned_data["merge"], by=request.user)
        messages.success(request, _("Households merged. Later imports keep them together."))
        return redirect(household)
    return render(request, "roster/household_merge.html", {"household": household, "form": form})


@login_required
def household_split(request, pk):
    household = _open_household(request, pk)
    form = SplitForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        new = services.split_household(
            household=household,
            guardians=list(form.cleaned_data["guardians"]),
            students=list(form.cleaned_data["students"]),
            name=form.cleaned_data["name"],
            by=request.user,
        )
        messages.success(request, _("Household split. Later imports keep the two apart."))
        return redirect(new)
    return render(request, "roster/household_split.html", {"household": household, "form": form})


__all__ = ["User"]
