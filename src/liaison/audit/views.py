"""Audit pages: break-the-glass log for leaders, a family's record on request, erasure, and a
staff member's own contact details (behind a fresh sign-in)."""

import datetime as dt

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from liaison.audit import services
from liaison.audit.choices import ErasureCause
from liaison.audit.forms import ContactDetailsForm, EraseForm, ExportForm
from liaison.audit.models import AccessLog, ErasureTombstone
from liaison.core import policy
from liaison.core.policy import audit as audit_policy
from liaison.people.models import Household

# How far back the break-the-glass log looks: months -> days (a month back from today, not from
# the start of the month). The bound on `at` lets PostgreSQL read only those months' partitions.
BREAK_GLASS_PERIODS = {3: 92, 12: 366, 24: 731}
BREAK_GLASS_DEFAULT = 3


def _break_glass_periods():
    return [
        (3, _("Last 3 months")),
        (12, _("Last 12 months")),
        (24, _("Last 2 years")),
    ]


@login_required
def break_glass(request):
    """Break-the-glass openings (and erasures) of families at the leader's sites."""
    if not audit_policy.can_see_access_log(request.user):
        raise Http404
    try:
        period = int(request.GET.get("months", BREAK_GLASS_DEFAULT))
    except ValueError:
        period = BREAK_GLASS_DEFAULT
    if period not in BREAK_GLASS_PERIODS:
        period = BREAK_GLASS_DEFAULT
    since = timezone.now() - dt.timedelta(days=BREAK_GLASS_PERIODS[period])
    households = audit_policy.access_log_households(request.user)
    entries = (
        AccessLog.objects.filter(action="break_glass", at__gte=since)
        .filter(Exists(households.filter(pk=OuterRef("household_id"))))
        .order_by("-at")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    names = dict(
        Household.objects.filter(pk__in=[e.household_id for e in page]).values_list("pk", "name")
    )
    for entry in page:
        entry.household_name = names.get(entry.household_id, "")
    tombstones = (
        ErasureTombstone.objects.filter(audit_policy.tombstone_filter(request.user))[:50]
        if policy.access_for(request.user).is_admin
        else []
    )
    return render(
        request,
        "audit/break_glass.html",
        {
            "page": page,
            "tombstones": tombstones,
            "periods": _break_glass_periods(),
            "period": period,
            "pager_params": f"months={period}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_export(request, pk):
    household = policy.open_household(request, pk, also=audit_policy.can_export_household)
    form = ExportForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        data = services.export_household(
            household=household,
            by=request.user,
            request=request,
            recipient=form.cleaned_data["recipient"],
            purpose=form.cleaned_data["purpose"],
            language=form.cleaned_data["language"],
        )
        response = HttpResponse(data, content_type="application/zip")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = (
            f'attachment; filename="family-record-{household.pk}-{stamp}.zip"'
        )
        return response
    return render(request, "audit/export.html", {"household": household, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def household_erase(request, pk):
    household = policy.open_household(request, pk, also=audit_policy.can_erase_household)
    held = services.on_hold(household)
    form = EraseForm(request.POST or None, household=household)
    if request.method == "POST" and not held and form.is_valid():
        try:
            services.erase_household(
                household=household, by=request.user, cause=ErasureCause.REQUEST
            )
        except services.LegalHoldError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The family's record was erased. A tombstone remains."))
            return redirect("people:caseload")
    return render(request, "audit/erase.html", {"household": household, "form": form, "held": held})


@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def contact_details(request):
    """A staff member's email and phone: changed only after signing in again (allauth)."""
    user = request.user
    form = ContactDetailsForm(
        request.POST or None, initial={"email": user.email, "phone": user.phone}
    )
    if request.method == "POST" and form.is_valid():
        user.email = form.cleaned_data["email"]
        user.phone = form.cleaned_data["phone"]
        user.save(update_fields=["email", "phone"])
        messages.success(request, _("Your contact details were saved."))
        return redirect("audit:contact_details")
    return render(request, "audit/contact_details.html", {"form": form})
