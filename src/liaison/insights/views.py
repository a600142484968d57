"""Dashboards, drill-down lists, exports and outreach for liaisons, site leaders and the district."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core.policy import insights as insights_policy
from liaison.core.validators import language_name
from liaison.insights import charts, exports, panels, services
from liaison.insights.choices import Dimension, Scope
from liaison.insights.metrics import METRICS, PERIOD_DAYS, PERIODS
from liaison.insights.models import Rollup
from liaison.people.choices import Grade, Programme
from liaison.people.models import Site

DRILL_METRICS = {"unreached", "all_channels_failing", "reach_30", "reach_90", "households"}


def _scope_from(request):
    if not insights_policy.can_view_insights(request.user):
        raise Http404
    default = insights_policy.default_scope(request.user)
    if default is None:
        raise Http404
    pick = request.GET.get("scope_pick", "")
    if ":" in pick:
        scope, _sep, raw_id = pick.partition(":")
    else:
        scope, raw_id = (
            request.GET.get("scope") or default[0],
            request.GET.get("scope_id") or default[1],
        )
    try:
        scope_id = int(raw_id)
    except ValueError:
        raise Http404 from None
    if scope not in Scope.values or not insights_policy.may_view_scope(
        request.user, scope, scope_id
    ):
        raise Http404
    return scope, scope_id


def _period_from(request) -> int:
    """The days the concern, referral and event figures cover: one of PERIODS, else the default."""
    try:
        days = int(request.GET.get("period", PERIOD_DAYS))
    except ValueError:
        return PERIOD_DAYS
    return days if days in PERIODS else PERIOD_DAYS


def _value_label(dimension, value, sites):
    if dimension == Dimension.SITE:
        return sites.get(int(value), value) if str(value).isdigit() else value
    if dimension == Dimension.LANGUAGE:
        return language_name(value)
    if dimension == Dimension.PROGRAMME:
        return dict(Programme.choices).get(value, value)
    if dimension == Dimension.GRADE:
        return dict(Grade.choices).get(value, value)
    return value


def _scope_label(scope, scope_id, sites):
    if scope == Scope.SITE:
        return sites.get(scope_id, _("Site"))
    if scope == Scope.CASELOAD:
        from liaison.people.models import User

        user = User.objects.filter(pk=scope_id).first()
        return _("Caseload of %(name)s") % {"name": user} if user else _("Caseload")
    from liaison.people.models import District

    return str(District.objects.filter(pk=scope_id).first() or _("District"))


def _pct(value):
    return "—" if value is None else f"{value * 100:.0f}%"


def _hours(value):
    if value is None:
        return "—"
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


def _drill_url(scope, scope_id, metric, dimension=Dimension.ALL, value="all"):
    return (
        reverse("insights:households")
        + "?"
        + urlencode(
            {
                "scope": scope,
                "scope_id": scope_id,
                "metric": metric,
                "dimension": dimension,
                "value": value,
            }
        )
    )


@login_required
def dashboard(request):
    scope, scope_id = _scope_from(request)
    period = _period_from(request)
    sites = dict(Site.objects.values_list("pk", "name"))
    latest = services.latest_day(scope, scope_id)
    data = services.figures(scope, scope_id, day=latest, period=period)
    # The trend: the same figures a whole period earlier, when the rollups go back that far.
    before = latest and services.previous_day(scope, scope_id, day=latest, period=period)
    previous = services.figures(scope, scope_id, day=before, period=period) if before else None
    stale = latest is None or latest < timezone.localdate()
    if stale:
        from django.db import transaction

        from liaison.insights.tasks import refresh_insights

        transaction.on_commit(refresh_insights.enqueue)

    def breakdown(metric, dimension, fmt, max_value=None, drill=None):
        values = data.get(metric, {}).get(dimension, {})
        rows = sorted(values.items(), key=lambda kv: (kv[1] is None, -(kv[1] or 0)))
        bars = [
            charts.Bar(
                str(_value_label(dimension, v, sites)),
                n,
                fmt(n),
                _drill_url(scope, scope_id, drill, dimension, v) if drill else "",
            )
            for v, n in rows
        ]
        return bars

    sections = []
    for dimension, title in [
        (Dimension.LANGUAGE, _("by home language")),
        (Dimension.SITE, _("by site")),
        (Dimension.PROGRAMME, _("by programme")),
        (Dimension.GRADE, _("by grade")),
    ]:
        if scope == Scope.SITE and dimension == Dimension.SITE:
            continue
        bars = breakdown("reach_30", dimension, _pct, 1.0, drill="unreached")
        if not bars:
            continue
        unreached = data.get("unreached", {}).get(dimension, {})
        households = data.get("households", {}).get(dimension, {})
        table = [
            {
                "label": b.label,
                "reach": b.text,
                "unreached": int(unreached.get(v, 0) or 0),
                "households": int(households.get(v, 0) or 0),
                "href": b.href,
            }
            for b, v in zip(
                bars,
                sorted(
                    data["reach_30"][dimension],
                    key=lambda v: (
                        data["reach_30"][dimension][v] is None,
                        -(data["reach_30"][dimension][v] or 0),
                    ),
                ),
                strict=True,
            )
        ]
        svg = charts.bar_chart(
            bars,
            title=_("Households reached in 30 days, %(by)s") % {"by": title},
            description=_(
                "Share of households with a two-way contact in the last 30 days; "
                "the table below lists the same figures."
            ),
            max_value=1.0,
        )
        sections.append(
            {
                "title": _("Reach %(by)s") % {"by": title},
                "svg": svg,
                "table": table,
                "id": f"reach-{dimension}",
            }
        )

    delivery = []
    for dimension in (Dimension.CHANNEL, Dimension.LANGUAGE):
        rates = data.get("delivery_failure_rate", {}).get(dimension, {})
        totals = data.get("deliveries", {}).get(dimension, {})
        for value, rate in sorted(rates.items()):
            label = (
                _value_label(dimension, value, sites) if dimension == Dimension.LANGUAGE else value
            )
            delivery.append(
                {
                    "dimension": Dimension(dimension).label,
                    "label": label,
                    "rate": _pct(rate),
                    "total": int(totals.get(value, 0) or 0),
                }
            )
    coverage = {}
    for metric, by_dim in data.items():
        if metric.startswith("translation_"):
            for value, n in by_dim.get(Dimension.LANGUAGE, {}).items():
                coverage.setdefault(value, {})[metric.removeprefix("translation_")] = int(n or 0)
    coverage_rows = [{"label": language_name(k), **v} for k, v in sorted(coverage.items())]

    overall = lambda metric: data.get(metric, {}).get(Dimension.ALL, {}).get("all")  # noqa: E731
    tiles = [
        {
            "label": METRICS["households"].label,
            "value": int(overall("households") or 0),
            "href": "",
        },
        {
            "label": METRICS["reach_30"].label,
            "value": _pct(overall("reach_30")),
            "href": _drill_url(scope, scope_id, "reach_30"),
            "help": METRICS["reach_30"].description,
        },
        {
            "label": METRICS["reach_90"].label,
            "value": _pct(overall("reach_90")),
            "href": _drill_url(scope, scope_id, "reach_90"),
            "help": METRICS["reach_90"].description,
        },
        {
            "label": METRICS["unreached"].label,
            "value": int(overall("unreached") or 0),
            "href": _drill_url(scope, scope_id, "unreached"),
            "help": METRICS["unreached"].description,
        },
        {
            "label": METRICS["all_channels_failing"].label,
            "value": int(overall("all_channels_failing") or 0),
            "href": _drill_url(scope, scope_id, "all_channels_failing"),
            "help": METRICS["all_channels_failing"].description,
        },
        {
            "label": METRICS["response_median"].label,
            "value": _hours(overall("response_median")),
            "href": "",
            "help": METRICS["response_median"].description,
        },
        {
            "label": METRICS["response_p90"].label,
            "value": _hours(overall("response_p90")),
            "href": "",
        },
    ]
    points = [(d.strftime("%b %d"), v) for d, v in services.trend(scope, scope_id)]
    trend_svg = charts.line_chart(
        points,
        title=_("Reach over time"),
        description=_("Share of households reached in the previous 30 days, per day."),
    )
    scopes = _scope_choices(request.user, sites)
    district_id = (
        scope_id
        if scope == Scope.DISTRICT
        else Rollup.objects.filter(scope=scope, scope_id=scope_id)
        .values_list("district_id", flat=True)
        .first()
    )
    return render(
        request,
        "insights/dashboard.html",
        {
            "scope": scope,
            "scope_id": scope_id,
            "scope_label": _scope_label(scope, scope_id, sites),
            "tiles": tiles,
            "sections": sections,
            "delivery": delivery,
            "coverage": coverage_rows,
            "trend_svg": trend_svg,
            "trend": points,
            "latest": latest,
            "stale": stale,
            "scopes": scopes,
            "period": period,
            "periods": [
                (days, _("Last %(days)s days") % {"days": days}) for days in sorted(PERIODS)
            ],
            "previous_day": before,
            "concerns": panels.concerns_panel(data, district_id, days=period, previous=previous),
            "referrals": panels.referrals_panel(data, days=period, previous=previous),
            "events": panels.events_panel(data, days=period, previous=previous),
        },
    )


def _scope_choices(user, sites):
    from liaison.core.policy import access_for

    access = access_for(user)
    out = []
    for district_id in sorted(access.admin_district_ids):
        out.append((Scope.DISTRICT, district_id, _("Whole district")))
        out += [
            (Scope.SITE, pk, name)
            for pk, name in Site.objects.filter(district_id=district_id).values_list("pk", "name")
        ]
    out += [
        (Scope.SITE, pk, sites.get(pk, pk))
        for pk in sorted(access.leader_site_ids)
        if (Scope.SITE, pk) not in {(s, i) for s, i, _ in out}
    ]
    if access.is_liaison:
        out.append((Scope.CASELOAD, user.pk, _("My caseload")))
    return out


def _drill_params(request):
    scope, scope_id = _scope_from(request)
    metric = request.GET.get("metric", "unreached")
    dimension = request.GET.get("dimension", Dimension.ALL)
    value = request.GET.get("value", "all")[:40]
    if metric not in DRILL_METRICS or dimension not in Dimension.values:
        raise Http404
    return scope, scope_id, metric, dimension, value


@login_required
def households(request):
    scope, scope_id, metric, dimension, value = _drill_params(request)
    qs = services.households_behind(
        user=request.user,
        scope=scope,
        scope_id=scope_id,
        metric=metric,
        dimension=dimension,
        value=value,
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        from liaison.audit.models import AccessLog
        from liaison.audit.services import record_access

        rows = [
            (
                h.name,
                ", ".join(h.home_languages),
                h.site.name if h.site else "",
                h.last_two_way_at.isoformat() if h.last_two_way_at else "",
                "yes" if h.all_failing else "",
            )
            for h in qs
        ]
        record_access(request, kind=AccessLog.Kind.EXPORT, object_id=0, action=f"export_{metric}")
        return exports.table_response(
            fmt,
            f"households-{metric}",
            [
                _("Household"),
                _("Home languages"),
                _("Home site"),
                _("Last two-way contact"),
                _("Every channel failing"),
            ],
            rows,
        )
    sites = dict(Site.objects.values_list("pk", "name"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode(
        {
            "scope": scope,
            "scope_id": scope_id,
            "metric": metric,
            "dimension": dimension,
            "value": value,
        }
    )
    return render(
        request,
        "insights/households.html",
        {
            "page": page,
            "metric": METRICS[metric],
            "metric_name": metric,
            "query": query,
            "scope_label": _scope_label(scope, scope_id, sites),
            "filter_label": ""
            if dimension == Dimension.ALL
            else f"{Dimension(dimension).label}: {_value_label(dimension, value, sites)}",
            "outreach_param": f"{scope}:{scope_id}:{metric}:{dimension}:{value}",
            "scope": scope,
            "scope_id": scope_id,
        },
    )


@login_required
def call_list(request):
    """Guardians of the households behind a figure, with phones and languages, for a phone bank."""
    scope, scope_id, metric, dimension, value = _drill_params(request)
    qs = services.households_behind(
        user=request.user,
        scope=scope,
        scope_id=scope_id,
        metric=metric,
        dimension=dimension,
        value=value,
    )
    from liaison.audit.models import AccessLog
    from liaison.audit.services import record_access
    from liaison.core.validators import format_phone

    rows = []
    for household in qs:
        for guardian in household.guardians.all():
            if guardian.contact_restricted or not guardian.is_active:
                continue  # never on a call list
            rows.append(
                (
                    household.name,
                    guardian.full_name,
                    language_name(guardian.preferred_language),
                    format_phone(guardian.phone),
                    format_phone(guardian.alt_phone),
                    guardian.email,
                    "",
                )
            )
    record_access(request, kind=AccessLog.Kind.EXPORT, object_id=0, action="call_list")
    return exports.table_response(
        request.GET.get("format", "csv"),
        f"call-list-{metric}",
        [
            _("Household"),
            _("Guardian"),
            _("Language"),
            _("Phone"),
            _("Other phone"),
            _("Email"),
            _("Outcome"),
        ],
        rows,
    )


@login_required
@require_POST
def outreach(request):
    """Start an announcement to the households behind a figure (the announcement builder takes it from here)."""
    if not insights_policy.can_view_insights(request.user):
        raise Http404
    param = request.POST.get("param", "")
    if not _parse_outreach_param(request.user, param):
        return HttpResponseBadRequest(_("That list is not available."))
    return redirect(
        reverse("messaging:announcement_new")
        + "?"
        + urlencode({"source": "insights", "source_param": param})
    )


def _parse_outreach_param(user, param):
    parts = (param or "").split(":")
    if len(parts) != 5:
        return None
    scope, scope_id, metric, dimension, value = parts
    if (
        scope not in Scope.values
        or not scope_id.isdigit()
        or metric not in DRILL_METRICS
        or dimension not in Dimension.values
    ):
        return None
    if not insights_policy.may_view_scope(user, scope, int(scope_id)):
        return None
    return scope, int(scope_id), metric, dimension, value


def outreach_audience(*, district, user, param):
    """Audience source "insights": the guardians of the households behind a dashboard figure."""
    from liaison.people.models import Guardian

    parsed = _parse_outreach_param(user, param) if user is not None else None
    if parsed is None:
        return Guardian.objects.none()
    scope, scope_id, metric, dimension, value = parsed
    households = services.households_behind(
        user=user, scope=scope, scope_id=scope_id, metric=metric, dimension=dimension, value=value
    )
    return Guardian.objects.filter(
        household__in=households.values("pk"), household__district=district
    )


@login_required
@require_POST
def refresh(request):
    from liaison.core.policy import access_for

    if not access_for(request.user).is_admin:
        raise Http404
    from django.db import transaction

    from liaison.insights.tasks import refresh_insights

    transaction.on_commit(refresh_insights.enqueue)
    return redirect("insights:dashboard")
