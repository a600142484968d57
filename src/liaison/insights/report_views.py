"""The at-risk list, the advocacy summary and the PDF summary for a leadership meeting."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.attendance.choices import Tier
from liaison.attendance.services import latest_as_of
from liaison.audit.models import AccessLog
from liaison.audit.services import record_access
from liaison.core.dates import local_date
from liaison.core.policy import access_for
from liaison.core.policy import attendance as attendance_policy
from liaison.core.policy import insights as insights_policy
from liaison.insights import advocacy, atrisk, attendance, exports, panels, services
from liaison.insights.choices import Dimension, Scope
from liaison.insights.forms import AtRiskRulesForm
from liaison.insights.metrics import METRICS
from liaison.insights.panels import pct as _pct
from liaison.insights.panels import value_label as _value_label
from liaison.insights.views import _scope_from, _scope_label
from liaison.people.models import District, Site


def _district_of(user, scope, scope_id):
    if scope == Scope.DISTRICT:
        return scope_id
    if scope == Scope.SITE:
        district = Site.objects.filter(pk=scope_id).values_list("district_id", flat=True).first()
        if district is None:
            raise Http404
        return district
    district = next(iter(sorted(access_for(user).district_ids)), None)
    if district is None:
        raise Http404
    return district


def _record_export(request, action):
    record_access(request, kind=AccessLog.Kind.EXPORT, object_id=0, action=action)


@login_required
def at_risk(request):
    scope, scope_id = _scope_from(request)
    district_id = _district_of(request.user, scope, scope_id)
    rules = atrisk.rules_for(district_id)
    now = timezone.now()
    qs = atrisk.at_risk_households(
        user=request.user, scope=scope, scope_id=scope_id, district_id=district_id, now=now
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        _record_export(request, "export_at_risk")
        return exports.households_response(
            fmt, "at-risk", qs, last=(_("Why"), lambda h: "; ".join(atrisk.reasons(h, rules, now)))
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for household in page.object_list:
        household.why = atrisk.reasons(household, rules, now)
    can_tune = insights_policy.can_tune_rules(request.user, district_id)
    sites = dict(Site.objects.values_list("pk", "name"))
    return render(
        request,
        "insights/at_risk.html",
        {
            "page": page,
            "rules": rules,
            "form": AtRiskRulesForm(instance=rules) if can_tune else None,
            "query": urlencode({"scope": scope, "scope_id": scope_id}),
            "scope": scope,
            "scope_id": scope_id,
            "district_id": district_id,
            "scope_label": _scope_label(scope, scope_id, sites),
            "attendance_list": attendance_policy.can_see_at_risk(request.user),
        },
    )


@login_required
@require_POST
def at_risk_rules(request):
    """A district admin tunes the district's at-risk rules (the unreached figure uses the same days)."""
    from liaison.insights.tasks import refresh_insights

    try:
        district_id = int(request.POST.get("district", ""))
    except ValueError:
        raise Http404 from None
    if not insights_policy.can_tune_rules(request.user, district_id):
        raise Http404
    rules = atrisk.rules_for(district_id)
    form = AtRiskRulesForm(request.POST, instance=rules)
    back = (
        reverse("insights:at_risk")
        + "?"
        + urlencode({"scope": Scope.DISTRICT, "scope_id": district_id})
    )
    if not form.is_valid():
        scope, scope_id = Scope.DISTRICT, district_id
        now = timezone.now()
        qs = atrisk.at_risk_households(
            user=request.user, scope=scope, scope_id=scope_id, district_id=district_id, now=now
        )
        page = Paginator(qs, 50).get_page(1)
        for household in page.object_list:
            household.why = atrisk.reasons(household, rules, now)
        sites = dict(Site.objects.values_list("pk", "name"))
        return render(
            request,
            "insights/at_risk.html",
            {
                "page": page,
                "rules": atrisk.rules_for(district_id),
                "form": form,
                "query": urlencode({"scope": scope, "scope_id": scope_id}),
                "scope": scope,
                "scope_id": scope_id,
                "district_id": district_id,
                "scope_label": _scope_label(scope, scope_id, sites),
                "attendance_list": attendance_policy.can_see_at_risk(request.user),
            },
            status=400,
        )
    form.save()
    transaction.on_commit(refresh_insights.enqueue)
    return redirect(back)


@login_required
def advocacy_summary(request):
    """Themes of concerns and unmet needs by site for committees, small counts suppressed."""
    scope = insights_policy.advocacy_scope(request.user)
    if scope is None:
        raise Http404
    district_id, sites, with_district = scope
    sites = list(sites.order_by("name").values_list("pk", "name"))
    tables = advocacy.summary(district_id=district_id, sites=sites, with_district=with_district)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        rows = []
        for table in tables:
            rows += [(table.title, label, *cells) for label, cells in table.rows]
        header = [_("Table"), *tables[0].header] if tables else [_("Table")]
        _record_export(request, "export_advocacy")
        return exports.table_response(fmt, "advocacy-summary", header, rows)
    return render(
        request,
        "insights/advocacy.html",
        {"tables": tables, "hidden_small": advocacy.HIDDEN_SMALL},
    )


def _reach_bars(data, sites):
    from liaison.insights.charts import Bar

    values = data.get("reach_30", {}).get(Dimension.LANGUAGE, {})
    return [
        Bar(str(_value_label(Dimension.LANGUAGE, v, sites)), n, _pct(n))
        for v, n in sorted(values.items(), key=lambda kv: -(kv[1] or 0))
    ]


@login_required
def summary_pdf(request):
    """The dashboard's figures and charts as a PDF for a school leadership meeting."""
    # fpdf takes a quarter of a second to import: every process that loads the URLconf (a
    # delivery worker signing portal links, a management command) would pay it, not only this view.
    from liaison.insights import pdf

    scope, scope_id = _scope_from(request)
    sites = dict(Site.objects.values_list("pk", "name"))
    data = services.figures(scope, scope_id)
    district_id = _district_of(request.user, scope, scope_id)
    overall = lambda metric: data.get(metric, {}).get(Dimension.ALL, {}).get("all")  # noqa: E731
    concerns = panels.concerns_panel(data, district_id)
    referrals = panels.referrals_panel(data)
    events = panels.events_panel(data)
    sections = [
        pdf.Section(
            _("Who are we reaching?"),
            [
                (str(METRICS["households"].label), str(int(overall("households") or 0))),
                (str(METRICS["reach_30"].label), _pct(overall("reach_30"))),
                (str(METRICS["reach_90"].label), _pct(overall("reach_90"))),
                (str(METRICS["unreached"].label), str(int(overall("unreached") or 0))),
                (
                    str(METRICS["all_channels_failing"].label),
                    str(int(overall("all_channels_failing") or 0)),
                ),
                (str(METRICS["response_median"].label), panels.hours(overall("response_median"))),
            ],
            [pdf.Chart(_("Reached in 30 days, by home language"), _reach_bars(data, sites), 1.0)],
        ),
        pdf.Section(
            _("Concerns, last 90 days"),
            [(str(t["label"]), str(t["value"])) for t in concerns["tiles"]],
            [pdf.Chart(_("Concerns raised, by category"), concerns["bars"])],
        ),
        pdf.Section(
            _("Referrals and unmet needs, last 90 days"),
            [(str(t["label"]), str(t["value"])) for t in referrals["tiles"]],
            [pdf.Chart(_("Unmet needs, by need"), referrals["bars"])],
        ),
        pdf.Section(
            _("Events, last 90 days"),
            [(str(t["label"]), str(t["value"])) for t in events["tiles"]],
            [pdf.Chart(_("Invited families who came, by home language"), events["bars"], 1.0)],
        ),
    ]
    latest = services.latest_day(scope, scope_id)
    body = pdf.summary_pdf(
        title=_("Family engagement summary — %(scope)s")
        % {"scope": _scope_label(scope, scope_id, sites)},
        subtitle=_("Figures as of %(day)s. Prepared with Liaison.")
        % {"day": local_date(latest) if latest else "—"},
        sections=sections,
    )
    _record_export(request, "export_summary")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="engagement-summary.pdf"'
    return response


@login_required
def attendance_outcomes(request):
    """Did it work: attendance four weeks before and after a family's first outreach, by tier,
    site and language (a before/after comparison, small groups suppressed)."""
    scope = insights_policy.advocacy_scope(request.user)
    if scope is None:
        raise Http404
    district = District.objects.get(pk=scope[0])
    # A site leader reads their schools' students; the district's admins the whole district.
    only = None if scope[2] else set(scope[1].values_list("pk", flat=True))
    as_of = latest_as_of(district)
    found = attendance.before_after(district, as_of=as_of, site_ids=only) if as_of else {}
    sites = dict(Site.objects.filter(district=district).values_list("pk", "name"))
    order = {"all": 0, "tier": 1, "site": 2, "language": 3}
    rows = []
    for (kind, value), group in sorted(found.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        if kind == "all":
            label = _("All students reached")
        elif kind == "tier":
            label = str(Tier(int(value)).label)
        elif kind == "site":
            label = str(_value_label(Dimension.SITE, value, sites))
        else:
            label = str(_value_label(Dimension.LANGUAGE, value, sites))
        shared = group.shared()
        rows.append(
            (
                label,
                shared["students"],
                _pct(shared["rate_before"]),
                _pct(shared["rate_after"]),
                shared["were_chronic"],
                shared["left_chronic"],
            )
        )
    header = [
        _("Group"),
        _("Students"),
        _("Attendance, 4 weeks before"),
        _("Attendance, 4 weeks after"),
        _("Chronically absent at first outreach"),
        _("No longer chronically absent"),
    ]
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        _record_export(request, "export_attendance_outcomes")
        return exports.table_response(fmt, "attendance-before-after", header, rows)
    return render(
        request,
        "insights/attendance_outcomes.html",
        {
            "rows": rows,
            "header": header,
            "as_of": as_of,
            "schools": None if only is None else sorted(sites[pk] for pk in only if pk in sites),
        },
    )
