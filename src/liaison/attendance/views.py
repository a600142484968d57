"""Attendance pages: the district's tier rules (trigger, action, owner, wording) and their numbers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from liaison.attendance.forms import AttendanceRulesForm
from liaison.attendance.measures import rules_for
from liaison.attendance.services import save_rules
from liaison.attendance.tiers import rules_table
from liaison.core.policy import insights as insights_policy
from liaison.core.policy import roster as roster_policy
from liaison.people.models import District


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Every tier rule with the district's numbers; its admins change the numbers here."""
    district = (
        District.objects.filter(pk__in=roster_policy.admin_district_ids(request.user))
        .order_by("pk")
        .first()
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
