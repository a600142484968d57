"""Staff pages of the resources app: the directory search, service pages, curation and referrals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liaison.core import policy
from liaison.core.htmx import is_htmx, partial
from liaison.core.policy import Want
from liaison.core.policy import resources as rpolicy
from liaison.resources import search, services
from liaison.resources.forms import (
    ReferralForm,
    SearchForm,
    ServiceForm,
    StatusForm,
    UnmetNeedForm,
)
from liaison.resources.models import Referral, Service


def _directory_user(request):
    if not rpolicy.can_use_directory(request.user):
        raise Http404


def _curator(request):
    if not rpolicy.can_curate(request.user):
        raise Http404


def _household_for_referrals(request, pk):
    """The household, through the door, for a person who may refer for it."""
    return policy.open_household(request, pk, also=rpolicy.can_refer)


def _run_search(request, household=None):
    form = SearchForm(request.GET or None)
    results, searched = [], False
    if form.is_valid() and form.has_query:
        near = None
        if household is not None and household.latitude is not None:
            near = (household.latitude, household.longitude)
        results = search.search_services(search.Query(near=near, **form.query_kwargs()))
        searched = True
    return form, results, searched


@login_required
def directory(request):
    _directory_user(request)
    form, results, searched = _run_search(request)
    context = {"form": form, "results": results, "searched": searched, "household": None}
    return render(request, partial(request, "resources/search.html", "results"), context)


@login_required
def household_search(request, pk):
    household = _household_for_referrals(request, pk)
    if not is_htmx(request):
        policy.record(
            request,
            kind="household",
            object_id=household.pk,
            household_id=household.pk,
            action="resources",
        )
    form, results, searched = _run_search(request, household)
    context = {"form": form, "results": results, "searched": searched, "household": household}
    return render(request, partial(request, "resources/search.html", "results"), context)


@login_required
def service(request, pk):
    _directory_user(request)
    svc = get_object_or_404(
        Service.objects.select_related("organization").prefetch_related(
            "phones", "languages", "schedules", "at_locations__location__addresses", "cost_options"
        ),
        pk=pk,
    )
    return render(
        request,
        "resources/service.html",
        {
            "service": svc,
            "hours": search.describe_hours(list(svc.schedules.all())),
            "can_curate": rpolicy.can_curate(request.user),
            "feedback": svc.feedback.all()[:20] if rpolicy.can_curate(request.user) else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request, pk=None):
    _curator(request)
    instance = get_object_or_404(Service, pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        svc = services.save_service(service=form.save(commit=False), by=request.user)
        messages.success(request, _("Service saved."))
        return redirect(svc)
    return render(request, "resources/service_form.html", {"form": form, "service": instance})


@login_required
@require_POST
def service_verify(request, pk):
    _curator(request)
    svc = get_object_or_404(Service, pk=pk)
    services.mark_verified(service=svc, by=request.user)
    messages.success(request, _("Marked as verified today."))
    return redirect(svc)


@login_required
def stale(request):
    _curator(request)
    qs = (
        Service.objects.unverified().select_related("organization").order_by("assured_date", "name")
    )
    return render(request, "resources/stale.html", {"services": qs[:200], "total": qs.count()})


@login_required
def export(request):
    _curator(request)
    import io
    import zipfile

    from liaison.resources.hsds import exporter

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in exporter.csv_files().items():
            z.writestr(name, text)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="hsds-{stamp}.zip"'
    return response


@login_required
def referrals(request):
    _curator(request)
    qs = (
        Referral.objects.visible_to(request.user)
        .open()
        .select_related("household", "need")
        .order_by("follow_up_on", "-created_at")
    )
    today = timezone.localdate()
    return render(
        request,
        "resources/referrals.html",
        {"referrals": qs[:200], "today": today},
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request, pk, service_pk):
    household = _household_for_referrals(request, pk)
    svc = get_object_or_404(Service, pk=service_pk)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.create_referral(
                household=household,
                service=svc,
                by=request.user,
                need=data["need"],
                consent_given=data["consent_given"],
                consent_note=data["consent_note"],
                shared_data=data["shared_data"],
                follow_up_on=data["follow_up_on"],
                note=data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Referral recorded."))
            return redirect(referral)
    return render(
        request,
        "resources/referral_form.html",
        {"form": form, "household": household, "service": svc},
    )


@login_required
def referral(request, pk):
    ref = policy.open_referral(request, pk, log=True)
    return render(
        request,
        "resources/referral.html",
        {
            "referral": ref,
            "events": ref.events.select_related("by"),
            "form": StatusForm(referral=ref),
        },
    )


@login_required
@require_POST
def referral_status(request, pk):
    ref = policy.open_referral(request, pk, Want.EDIT)
    form = StatusForm(request.POST, referral=ref)
    if form.is_valid():
        try:
            ref = services.change_status(
                referral=ref,
                status=form.cleaned_data["status"],
                by=request.user,
                note=form.cleaned_data["note"],
            )
            if form.cleaned_data["follow_up_on"]:
                services.set_follow_up(
                    referral=ref, follow_up_on=form.cleaned_data["follow_up_on"], by=request.user
                )
        except ValidationError as exc:
            form.add_error("status", exc.messages[0])
        else:
            messages.success(request, _("Referral updated."))
            return redirect(ref)
    return render(
        request,
        "resources/referral.html",
        {"referral": ref, "events": ref.events.select_related("by"), "form": form},
        status=400,
    )


@login_required
@require_POST
def referral_send(request, pk):
    ref = policy.open_referral(request, pk, Want.EDIT)
    try:
        services.send_referral_to_family(referral=ref, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The service's details are on their way to the family."))
    return redirect(ref)


@login_required
@require_http_methods(["GET", "POST"])
def unmet_new(request, pk):
    household = _household_for_referrals(request, pk)
    form = UnmetNeedForm(request.POST or None, initial={"searched_for": request.GET.get("q", "")})
    if request.method == "POST" and form.is_valid():
        services.record_unmet_need(household=household, by=request.user, **form.cleaned_data)
        messages.success(request, _("Unmet need recorded."))
        return redirect(household)
    return render(request, "resources/unmet_form.html", {"form": form, "household": household})
