"""The at-risk list (students ranked by their score, with the reasons and the outreach so far), its
export and call list, "start outreach", and calling a family unreachable."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from liaison.attendance import atrisk, services
from liaison.attendance.choices import Tier
from liaison.attendance.forms import AtRiskFilterForm, OutreachRulesForm
from liaison.attendance.models import AtRiskScore, rules_for
from liaison.attendance.outreach import outreach_for
from liaison.attendance.tasks import refresh_district_scores
from liaison.attendance.views import attendance_pages
from liaison.audit.models import AccessLog
from liaison.audit.services import record_access
from liaison.core import policy
from liaison.core.exports import table_response
from liaison.core.policy import attendance as attendance_policy
from liaison.core.policy import concerns as concern_policy
from liaison.core.policy import insights as insights_policy
from liaison.core.policy import messaging as messaging_policy
from liaison.core.validators import format_phone, language_name
from liaison.people.models import Guardian, Site

PAGE_SIZE = 50


def _filters(request: Any) -> AtRiskFilterForm:
    access = policy.access_for(request.user)
    sites = Site.objects.order_by("name")
    if not access.superuser:
        sites = sites.filter(district_id__in=access.district_ids)
    return AtRiskFilterForm(request.GET or None, sites=sites)


def rows_for(user: Any, form: AtRiskFilterForm) -> Any:
    """The rows the person may read, filtered, highest score first (Tier 2 and 3 unless a tier is
    chosen)."""
    qs = AtRiskScore.objects.filter(attendance_policy.at_risk_filter(user), score__gt=0)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("site"):
        qs = qs.filter(site=data["site"])
    qs = qs.filter(tier=data["tier"]) if data.get("tier") else qs.filter(tier__gte=Tier.EARLY)
    if data.get("household"):
        qs = qs.filter(household_id=data["household"])
    return qs.order_by("-score", "student_id")


def _decorate(rows: list[AtRiskScore]) -> None:
    """Words for each row: its reasons, the outreach so far and the next attempt due (two queries
    for the page, whatever its length, plus the rules of its districts)."""
    today = timezone.localdate()
    rules = {d: rules_for(d) for d in {r.district_id for r in rows}}
    by_district: dict[int, list[int]] = {}
    for row in rows:
        if row.household_id:
            by_district.setdefault(row.district_id, []).append(row.household_id)
    outreach = {}
    for district_id, ids in by_district.items():
        outreach.update(outreach_for(ids, rules=rules[district_id], today=today))
    for row in rows:
        row.why = [  # type: ignore[attr-defined]
            (atrisk.reason_words(r), _points(r.get("points", 0))) for r in row.reasons
        ]
        made = outreach.get(row.household_id) if row.household_id else None
        district_rules = rules[row.district_id]
        row.outreach = made  # type: ignore[attr-defined]
        row.so_far = made.so_far() if made else _("No family on record")  # type: ignore[attr-defined]
        row.next_attempt = made.next_words(district_rules, today) if made else ""  # type: ignore[attr-defined]
        row.may_call_unreachable = bool(  # type: ignore[attr-defined]
            made and made.unreachable_since is None and made.proven(district_rules)
        )
        row.still_needed = (  # type: ignore[attr-defined]
            made.missing(district_rules) if made and made.attempts else ""
        )


def _links(rows: list[AtRiskScore]) -> None:
    """Each row's links, from one reverse() per page rather than three per row."""
    mark = "987654321"
    student = reverse("people:student", args=[mark])
    household = reverse("people:household", args=[mark])
    contacts = reverse("concerns:contacts", args=[mark]) + "?kind=call"
    unreachable = reverse("attendance:unreachable", args=[mark])
    for row in rows:
        row.student_url = student.replace(mark, str(row.student_id))  # type: ignore[attr-defined]
        if row.household_id:
            pk = str(row.household_id)
            row.household_url = household.replace(mark, pk)  # type: ignore[attr-defined]
            row.contacts_url = contacts.replace(mark, pk)  # type: ignore[attr-defined]
            row.unreachable_url = unreachable.replace(mark, pk)  # type: ignore[attr-defined]


def _points(n: int) -> str:
    return ngettext("%(n)d point", "%(n)d points", n) % {"n": n}


@login_required
def at_risk(request: Any) -> HttpResponse:
    if not attendance_policy.can_see_at_risk(request.user):
        raise Http404
    form = _filters(request)
    ranked = rows_for(request.user, form)
    qs = ranked.select_related("student", "household", "site")
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(request, fmt, qs)
    if fmt == "calls":
        return _call_list(request, qs)
    # No count of the whole list, and the page's ids ranked on the score's columns alone before
    # its rows are read: a school's list of thousands sorts narrow rows, not joined ones.
    number = _page_number(request.GET.get("page"))
    ids = list(
        ranked.values_list("pk", flat=True)[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1]
    )
    has_next = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    found = AtRiskScore.objects.select_related("student", "household", "site").in_bulk(ids)
    rows = [found[pk] for pk in ids]
    _decorate(rows)
    _links(rows)
    query = {k: v for k, v in request.GET.items() if k in ("site", "tier", "household") and v}
    return render(
        request,
        "attendance/at_risk.html",
        {
            "form": form,
            "number": number,
            "has_next": has_next,
            "first": (number - 1) * PAGE_SIZE + 1,
            "last": (number - 1) * PAGE_SIZE + len(rows),
            "rows": rows,
            "query": urlencode(query),
            "outreach_param": form.param(),
            # The announcement builder is for admins and site leaders: a liaison calls, from the
            # call list, and is not offered a button that leads nowhere.
            "may_start_outreach": messaging_policy.can_announce(request.user),
            "attendance_pages": attendance_pages(request),
            "weights": [
                (atrisk.REASONS[code], _points(points))
                for code, points in _weights(request.user).items()
                if points
            ],
            **_rules_form(request.user),
        },
    )


def _home_district(user: Any) -> int | None:
    access = policy.access_for(user)
    return next(iter(sorted(access.admin_district_ids or access.district_ids)), None)


def _rules_form(user: Any, form: OutreachRulesForm | None = None) -> dict[str, Any]:
    """The district's outreach rules form, for those who may change them."""
    district_id = _home_district(user)
    if district_id is None or not insights_policy.can_tune_rules(user, district_id):
        return {}
    return {
        "rules_form": form or OutreachRulesForm(instance=rules_for(district_id)),
        "rules_district": district_id,
    }


@login_required
@require_http_methods(["GET", "POST"])
def at_risk_rules(request: Any) -> HttpResponse:
    """A district admin sets the proof-of-outreach numbers and the score's points; the scores are
    computed again in the background. The form lives on the at-risk list: a GET here (the address
    a refused form was answered at, reloaded) goes there."""
    if request.method == "GET":
        return redirect(reverse("attendance:at_risk") + "#rules")
    try:
        district_id = int(request.POST.get("district", ""))
    except ValueError:
        raise Http404 from None
    if not insights_policy.can_tune_rules(request.user, district_id):
        raise Http404
    form = OutreachRulesForm(request.POST, instance=rules_for(district_id))
    if not form.is_valid():
        messages.error(request, _("The rules were not saved: see what is wrong below."))
        return render(
            request,
            "attendance/at_risk_rules.html",
            {"rules_form": form, "rules_district": district_id},
            status=400,
        )
    with transaction.atomic():
        form.save()
        transaction.on_commit(lambda: refresh_district_scores.enqueue(district_id))
    messages.success(request, _("Rules saved. The list is scored again in a moment."))
    return redirect("attendance:at_risk")


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 10_000))
    except ValueError:
        return 1


def _weights(user: Any) -> dict[str, int]:
    district = _home_district(user)
    return atrisk.weights_of(rules_for(district)) if district else dict(atrisk.DEFAULT_WEIGHTS)


def _record_export(request: Any, action: str) -> None:
    record_access(request, kind=AccessLog.Kind.EXPORT, object_id=0, action=action)


def _export(request: Any, fmt: str, qs: Any) -> HttpResponse:
    rows = list(qs)
    _decorate(rows)
    _record_export(request, "export_attendance_at_risk")
    return table_response(
        fmt,
        "at-risk-students",
        [
            _("Student"),
            _("Household"),
            _("School"),
            _("Tier"),
            _("Score"),
            _("Why"),
            _("Outreach so far"),
            _("Next attempt"),
        ],
        [
            (
                r.student.full_name,
                r.household.name if r.household else "",
                r.site.name if r.site else "",
                r.get_tier_display(),
                r.score,
                "; ".join(words for words, _points in r.why),
                r.so_far,
                r.next_attempt,
            )
            for r in rows
        ],
    )


def _call_list(request: Any, qs: Any) -> HttpResponse:
    """The guardians to call, one row each with the children's reasons and the attempts so far;
    restricted and inactive guardians are never on it."""
    rows = list(qs)
    _decorate(rows)
    by_household: dict[int, list[AtRiskScore]] = {}
    for row in rows:
        if row.household_id:
            by_household.setdefault(row.household_id, []).append(row)
    guardians = (
        Guardian.objects.filter(
            household_id__in=list(by_household), is_active=True, contact_restricted=False
        )
        .select_related("household")
        .order_by("household__name", "pk")
    )
    out = []
    for guardian in guardians:
        children = by_household[guardian.household_id]
        out.append(
            (
                guardian.household.name,
                guardian.full_name,
                language_name(guardian.preferred_language),
                format_phone(guardian.phone),
                format_phone(guardian.alt_phone),
                ", ".join(c.student.full_name for c in children),
                "; ".join(w for c in children for w, _p in c.why[:2]),  # type: ignore[attr-defined]
                children[0].so_far,  # type: ignore[attr-defined]
                "",
            )
        )
    _record_export(request, "call_list_attendance_at_risk")
    return table_response(
        "csv",
        "at-risk-call-list",
        [
            _("Household"),
            _("Guardian"),
            _("Language"),
            _("Phone"),
            _("Other phone"),
            _("Children"),
            _("Why"),
            _("Outreach so far"),
            _("Result"),
        ],
        out,
    )


@login_required
@require_POST
def start_outreach(request: Any) -> HttpResponse:
    """An announcement to the families on the list as filtered (the builder takes it from here)."""
    if not (
        attendance_policy.can_see_at_risk(request.user)
        and messaging_policy.can_announce(request.user)
    ):
        raise Http404
    form = AtRiskFilterForm(request.POST, sites=_filters(request).fields["site"].queryset)  # type: ignore[attr-defined]
    if not form.is_valid():
        messages.error(request, _("Choose a school and tier from the list."))
        return redirect("attendance:at_risk")
    return redirect(
        reverse("messaging:announcement_new")
        + "?"
        + urlencode({"source": "attendance_at_risk", "source_param": form.param()})
    )


def outreach_audience(*, district: Any, user: Any, param: str) -> Any:
    """Audience source "attendance_at_risk": the guardians of the families on the list."""
    if user is None or not attendance_policy.can_see_at_risk(user):
        return Guardian.objects.none()
    site, _sep, tier = (param or "").partition(":")
    qs = AtRiskScore.objects.filter(
        attendance_policy.at_risk_filter(user), score__gt=0, district=district
    )
    qs = qs.filter(tier=int(tier)) if tier.isdigit() else qs.filter(tier__gte=Tier.EARLY)
    if site.isdigit():
        qs = qs.filter(site_id=int(site))
    return Guardian.objects.filter(
        household_id__in=qs.values("household_id"), household__district=district
    )


@login_required
@require_POST
def unreachable(request: Any, pk: int) -> HttpResponse:
    """Call a family unreachable: refused, with what is still missing, until the proof is there."""
    household = policy.open_household(request, pk, also=concern_policy.can_log_contact)
    try:
        services.mark_unreachable(
            household=household, by=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(family)s is now called unreachable.") % {"family": household}
        )
    if request.POST.get("next") == "household":
        return redirect(household)
    return redirect(reverse("attendance:at_risk") + "?" + urlencode({"household": household.pk}))
