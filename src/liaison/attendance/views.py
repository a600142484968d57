"""Attendance pages for district admins: upload attendance and calendar files and read each run's result."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from liaison.attendance import imports
from liaison.attendance.forms import UploadForm
from liaison.attendance.models import AttendanceImport
from liaison.attendance.templates_csv import TEMPLATES
from liaison.core.htmx import partial
from liaison.core.policy import attendance as policy
from liaison.core.policy.roster import admin_district_ids
from liaison.people.models import District, User


def _admin_or_404(request: HttpRequest) -> None:
    if not policy.can_import_attendance(request.user):
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
    return render(request, "attendance/imports.html", {"form": form, "batches": batches[:20]})


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(AttendanceImport, pk=pk)
    if not policy.can_see_attendance_import(request.user, batch):
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
