"""Attendance's staff pages: the imports and the tier rules (district admins), the school's
attendance message (district admins and site leaders), and the one-tap concern from a family's
answer."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.attendance import barriers, imports, universal
from liaison.attendance.forms import (
    AttendanceMessageForm,
    AttendanceRulesForm,
    SendAttendanceMessageForm,
    UploadForm,
)
from liaison.attendance.models import AttendanceImport, rules_for
from liaison.attendance.services import save_rules
from liaison.attendance.templates_csv import TEMPLATES
from liaison.attendance.tiers import rules_table
from liaison.core import policy
from liaison.core.htmx import partial
from liaison.core.policy import attendance as attendance_policy
from liaison.core.policy import concerns as concern_policy
from liaison.core.policy import insights as insights_policy
from liaison.core.policy.roster import admin_district_ids
from liaison.messaging.choices import Direction
from liaison.messaging.models import Message
from liaison.people.models import District, Site, User


def _admin_or_404(request: HttpRequest) -> None:
    if not attendance_policy.can_import_attendance(request.user):
        raise Http404


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    _admin_or_404(request)
    district_ids = admin_district_ids(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        district = District.objects.filter(pk__in=district_ids).order_by("pk").first()
        if district is None:
            raise Http404
        batch = imports.start_upload(
            district=district,
            upload=form.cleaned_data["file"],
            mode=form.cleaned_data["mode"],
            by=cast(User, request.user),  # signed in: login_required
        )
        return redirect("attendance:import", pk=batch.pk)
    batches = AttendanceImport.objects.filter(district_id__in=district_ids).select_related("by")
    return render(
        request,
        "attendance/imports.html",
        {"form": form, "batches": batches[:20], "attendance_pages": attendance_pages(request)},
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(AttendanceImport, pk=pk)
    if not attendance_policy.can_see_attendance_import(request.user, batch):
        raise Http404
    return render(request, partial(request, "attendance/import.html", "status"), {"batch": batch})


@login_required
def template(request: HttpRequest, kind: str) -> HttpResponse:
    _admin_or_404(request)
    if kind not in TEMPLATES:
        raise Http404
    response = HttpResponse(TEMPLATES[kind], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attendance-{kind}-template.csv"'
    return response


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


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Every tier rule with the district's numbers; its admins change the numbers here."""
    district = (
        District.objects.filter(pk__in=admin_district_ids(request.user)).order_by("pk").first()
    )
    if district is None or not insights_policy.can_tune_rules(request.user, district.pk):
        raise Http404
    current = rules_for(district)
    form = AttendanceRulesForm(request.POST or None, rules=current)
    if request.method == "POST" and form.is_valid():
        result = save_rules(rules=form.apply())
        if result is None:
            messages.success(request, _("Rules saved."))
        else:
            messages.success(
                request,
                _("Rules saved; %(count)s students placed again, %(changes)s changed tier.")
                % {"count": result.recomputed + result.advanced, "changes": result.tier_changes},
            )
        return redirect("attendance:rules")
    return render(
        request,
        "attendance/rules.html",
        {"district": district, "rows": rules_table(current), "form": form},
    )


@login_required
def attendance_message(request: HttpRequest) -> HttpResponse:
    """Tier 1: the school's attendance message, previewed in English and in a family language,
    with the number of families it will reach; sent after a confirmation, once a school year."""
    user = request.user
    sites = list(
        Site.objects.filter(attendance_policy.attendance_message_site_filter(user))
        .select_related("district")
        .order_by("district_id", "name")
    )
    admin_of = admin_district_ids(user)
    district = (
        District.objects.filter(pk__in=admin_of).order_by("pk").first()
        if admin_of
        else (sites[0].district if sites else None)
    )
    if district is None:
        raise Http404
    sites = [site for site in sites if site.district_id == district.pk]
    whole_district = attendance_policy.can_send_attendance_message(user, district.pk)
    form_class = SendAttendanceMessageForm if request.method == "POST" else AttendanceMessageForm
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = form_class(
        data,
        sites=sites,
        whole_district=whole_district,
        initial={"school": None if whole_district else sites[0].pk, "language": "es"},
    )
    valid = form.is_valid()  # an unbound form is not valid, and has no cleaned data
    # A school or language not offered keeps the default beside the form's error.
    cleaned = getattr(form, "cleaned_data", {})
    values = {name: cleaned.get(name, form.initial[name]) for name in ("school", "language")}
    site = next((s for s in sites if s.pk == values["school"]), None)
    if not attendance_policy.can_send_attendance_message(user, district.pk, site):
        raise Http404
    scope = universal.Scope(district, site)
    if request.method == "POST" and valid:
        message = universal.send_attendance_message(
            district=district, site=site, by=cast(User, user)
        )
        if message is None:
            messages.error(request, _("No family can be sent messages; nothing was sent."))
        else:
            messages.success(
                request,
                _("The attendance message is on its way to %(count)s guardians.")
                % {"count": message.recipient_count},
            )
        query = f"?school={site.pk}" if site is not None else ""
        return redirect(reverse("attendance:message") + query)
    language = values["language"] or "es"
    return render(
        request,
        "attendance/message.html",
        {
            "form": form,
            "district": district,
            "site": site,
            "english": universal.preview(district, "en"),
            "translated": universal.preview(district, language),
            "language": language,
            "families": universal.families_reached(scope),
            "sent": universal.sent_already(scope),
        },
    )


def attendance_pages(request: HttpRequest) -> list[tuple[str, str]]:
    """The attendance pages this person may open, for the links at the head of each of them."""
    access = policy.access_for(request.user)
    pages = []
    if access.is_admin:
        pages.append((_("Attendance imports"), reverse("attendance:imports")))
    if access.is_leader:
        pages.append((_("Attendance message"), reverse("attendance:message")))
    if access.is_admin:
        pages.append((_("Attendance rules"), reverse("attendance:rules")))
    if access.is_admin or access.is_leader:
        pages.append(
            (_("Attendance before and after outreach"), reverse("insights:attendance_outcomes"))
        )
    return pages
