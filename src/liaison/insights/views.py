"""Dashboards, drill-down lists, exports and outreach for liaisons, site leaders and the district."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.audit.models import AccessLog
from liaison.audit.services import record_access
from liaison.core import kept
from liaison.core.policy import access_for
from liaison.core.policy import insights as insights_policy
from liaison.core.validators import language_name
from liaison.insights import exports, panels, services
from liaison.insights.choices import Dimension, Scope
from liaison.insights.metrics import METRICS, PERIOD_DAYS, PERIODS
from liaison.insights.tasks import refresh_insights
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


def _scope_label(scope, scope_id, sites):
    if scope == Scope.SITE:
        return sites.get(scope_id, _("Site"))
    if scope == Scope.CASELOAD:
        from liaison.people.models import User

        user = User.objects.filter(pk=scope_id).first()
        return _("Caseload of %(name)s") % {"name": user} if user else _("Caseload")
    from liaison.people.models import District

    return str(District.objects.filter(pk=scope_id).first() or _("District"))


@login_required
def dashboard(request):
    scope, scope_id = _scope_from(request)
    period = _period_from(request)
    access = access_for(request.user)
    # The figures are drawn once and kept for this person, scope and period (core/kept.py) until
    # the rollups are rebuilt (a bulk write of Rollup, KeptWrites) or a name they show changes.
    body, stale = kept.part(
        "insights-dashboard",
        request.user,
        make=lambda: _dashboard_body(request, scope, scope_id, period),
        districts=access.district_ids,
        tables=DASHBOARD_TABLES,
        vary=(scope, scope_id, period),
        seconds=settings.LIAISON_KEPT_SECONDS,
    )
    if stale:
        transaction.on_commit(refresh_insights.enqueue)
    return render(
        request, "insights/dashboard.html", {"body": SafeString(kept.bind_csrf(request, body))}
    )


# What the dashboard reads: the rollups, and the names of the sites, districts, caseloads'
# liaisons, concern categories and needs it labels them with.
DASHBOARD_TABLES = (
    "insights.Rollup",
    "people.Site",
    "people.District",
    "people.User",
    "concerns.ConcernCategory",
    "resources.TaxonomyTerm",
)


def _dashboard_body(request, scope, scope_id, period) -> tuple[str, bool]:
    """The dashboard's HTML (its form's CSRF token unbound) and whether its rollups are stale."""
    sites = dict(Site.objects.values_list("pk", "name"))
    board = panels.dashboard(scope, scope_id, period=period, sites=sites)
    html = render_to_string(
        "insights/_dashboard_body.html",
        {
            **board,
            "scope_label": _scope_label(scope, scope_id, sites),
            "scopes": _scope_choices(request.user, sites),
            "periods": [
                (days, _("Last %(days)s days") % {"days": days}) for days in sorted(PERIODS)
            ],
        },
        request,
    )
    return kept.unbind_csrf(html), board["stale"]


def _scope_choices(user, sites):
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


def _households_behind(request):
    """The figure a drill-down link names (404 when it names none the reader may open) and the
    households behind it."""
    scope, scope_id, metric, dimension, value = params = _drill_params(request)
    households = services.households_behind(
        user=request.user,
        scope=scope,
        scope_id=scope_id,
        metric=metric,
        dimension=dimension,
        value=value,
    )
    return params, households


@login_required
def households(request):
    (scope, scope_id, metric, dimension, value), qs = _households_behind(request)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        record_access(request, kind=AccessLog.Kind.EXPORT, object_id=0, action=f"export_{metric}")
        return exports.households_response(
            fmt,
            f"households-{metric}",
            qs,
            last=(_("Every channel failing"), lambda h: _("Yes") if h.all_failing else ""),
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
            else f"{Dimension(dimension).label}: {panels.value_label(dimension, value, sites)}",
            "outreach_param": f"{scope}:{scope_id}:{metric}:{dimension}:{value}",
            "scope": scope,
            "scope_id": scope_id,
        },
    )


@login_required
def call_list(request):
    """Guardians of the households behind a figure, with phones and languages, for a phone bank."""
    (_scope, _scope_id, metric, _dimension, _value), qs = _households_behind(request)
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
