"""The panels of a dashboard: headline tiles, reach by group, delivery, translation coverage, the
trend, and the concerns, referrals and events panels (chart, table and headline figures), built
from one scope's rollup figures (no raw history)."""

import uuid

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from liaison.core.validators import language_name
from liaison.insights import charts, metrics, services
from liaison.insights.activity import UNSPECIFIED
from liaison.insights.choices import Dimension, Scope
from liaison.insights.metrics import METRICS
from liaison.insights.models import Rollup
from liaison.messaging.choices import Channel
from liaison.people.choices import Grade, Programme


def pct(value):
    return "—" if value is None else f"{value * 100:.0f}%"


def hours(value):
    if value is None:
        return "—"
    if value >= 48:
        return _("%(n).1f days") % {"n": value / 24}
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


def response_hours(value):
    """A reply time in minutes or hours (never days: the response figures are short)."""
    if value is None:
        return "—"
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


def value_label(dimension, value, sites):
    """What a group of a breakdown is called: a site's name, a language's, a programme's…"""
    if dimension == Dimension.SITE:
        return sites.get(int(value), value) if str(value).isdigit() else value
    if dimension == Dimension.LANGUAGE:
        return language_name(value)
    if dimension == Dimension.PROGRAMME:
        return dict(Programme.choices).get(value, value)
    if dimension == Dimension.GRADE:
        return dict(Grade.choices).get(value, value)
    if dimension == Dimension.CHANNEL:
        return dict(Channel.choices).get(value, value)
    return value


def drill_url(scope, scope_id, metric, dimension=Dimension.ALL, value="all"):
    """The list of the households behind a figure."""
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


def _by(data, metric, dimension):
    return data.get(metric, {}).get(dimension, {})


def _overall(data, metric):
    return _by(data, metric, Dimension.ALL).get("all")


def _int(value):
    return int(value or 0)


def _count_tile(label, data, previous, metric) -> dict:
    """A headline count; with the previous period's beside it when there are figures for it."""
    tile = {"label": label, "value": _int(_overall(data, metric))}
    if previous is not None:
        tile["previous"] = _int(_overall(previous, metric))
    return tile


def concern_category_labels(district_id) -> dict[str, str]:
    from liaison.concerns.choices import category_label
    from liaison.concerns.models import ConcernCategory

    labels = {
        code: category_label(code, label)
        for code, label in ConcernCategory.objects.filter(district_id=district_id).values_list(
            "code", "label"
        )
    }
    labels[UNSPECIFIED] = _("Not given")
    return labels


def need_labels(values) -> dict[str, str]:
    from liaison.resources.models import TaxonomyTerm

    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    labels = {
        str(pk): name
        for pk, name in TaxonomyTerm.objects.filter(pk__in=ids).values_list("pk", "name")
    }
    labels[UNSPECIFIED] = _("Need not named")
    return labels


def outcome_label(value):
    from liaison.concerns.choices import Satisfaction

    if value == metrics.NO_ANSWER:
        return _("Family not asked or no answer")
    return dict(Satisfaction.choices).get(value, value)


def concerns_panel(data, district_id, *, days=metrics.PERIOD_DAYS, previous=None) -> dict:
    labels = concern_category_labels(district_id)
    opened = _by(data, "concerns_opened", Dimension.CATEGORY)
    resolved = _by(data, "concerns_resolved", Dimension.CATEGORY)
    median = _by(data, "concern_resolve_median", Dimension.CATEGORY)
    categories = sorted(set(opened) | set(resolved), key=lambda c: (-_int(opened.get(c)), c))
    rows = [
        {
            "label": labels.get(c, c),
            "opened": _int(opened.get(c)),
            "resolved": _int(resolved.get(c)),
            "median": hours(median.get(c)),
        }
        for c in categories
    ]
    by_outcome = _by(data, "concerns_resolved", Dimension.OUTCOME)
    outcome_median = _by(data, "concern_resolve_median", Dimension.OUTCOME)
    outcomes = [
        {"label": outcome_label(o), "resolved": _int(n), "median": hours(outcome_median.get(o))}
        for o, n in sorted(by_outcome.items(), key=lambda kv: -_int(kv[1]))
    ]
    bars = [charts.Bar(str(r["label"]), r["opened"], str(r["opened"])) for r in rows]
    svg = charts.bar_chart(
        bars,
        title=_("Concerns raised in the last %(days)s days, by category") % {"days": days},
        description=_("Number of concerns raised per category; the table below lists the same."),
    )
    return {
        "tiles": [
            _count_tile(_("Concerns raised"), data, previous, "concerns_opened"),
            _count_tile(_("Concerns resolved"), data, previous, "concerns_resolved"),
            {
                "label": _("Median time to resolve"),
                "value": hours(_overall(data, "concern_resolve_median")),
            },
            {
                "label": _("90th percentile time to resolve"),
                "value": hours(_overall(data, "concern_resolve_p90")),
            },
        ],
        "svg": svg if rows else "",
        "bars": bars,
        "rows": rows,
        "outcomes": outcomes,
    }


def referrals_panel(data, *, days=metrics.PERIOD_DAYS, previous=None) -> dict:
    sent = _by(data, "referrals_sent", Dimension.CATEGORY)
    met = _by(data, "referrals_need_met", Dimension.CATEGORY)
    closed = _by(data, "referrals_closed", Dimension.CATEGORY)
    unmet = _by(data, "unmet_needs", Dimension.CATEGORY)
    needs = set(sent) | set(met) | set(closed) | set(unmet)
    labels = need_labels(needs)
    rows = sorted(
        (
            {
                "label": labels.get(n, n),
                "sent": _int(sent.get(n)),
                "closed": _int(closed.get(n)),
                "met": _int(met.get(n)),
                "unmet": _int(unmet.get(n)),
            }
            for n in needs
        ),
        key=lambda r: (-r["unmet"], -r["sent"], r["label"]),
    )
    bars = [charts.Bar(str(r["label"]), r["unmet"], str(r["unmet"])) for r in rows if r["unmet"]]
    svg = charts.bar_chart(
        bars,
        title=_("Unmet needs in the last %(days)s days, by need") % {"days": days},
        description=_(
            "Needs with no service found or referrals closed with the need not met; the table "
            "below lists the same with referrals made and met."
        ),
    )
    total_closed = _int(_overall(data, "referrals_closed"))
    total_met = _int(_overall(data, "referrals_need_met"))
    return {
        "tiles": [
            _count_tile(_("Referrals made"), data, previous, "referrals_sent"),
            {
                "label": _("Closed with the need met"),
                "value": f"{total_met} / {total_closed}",
                "help": pct(metrics.share(total_met, total_closed)),
            },
            _count_tile(_("Unmet needs"), data, previous, "unmet_needs"),
        ],
        "svg": svg if bars else "",
        "bars": bars,
        "rows": rows,
    }


def events_panel(data, *, days=metrics.PERIOD_DAYS, previous=None) -> dict:
    invited = _by(data, "event_invited", Dimension.LANGUAGE)
    yes = _by(data, "event_rsvp_yes", Dimension.LANGUAGE)
    came = _by(data, "event_attended", Dimension.LANGUAGE)
    rows = [
        {
            "label": language_name(lang) if lang != UNSPECIFIED else _("Not recorded"),
            "invited": _int(n),
            "yes": _int(yes.get(lang)),
            "came": _int(came.get(lang)),
            "rate": metrics.share(_int(came.get(lang)), _int(n)),
        }
        for lang, n in sorted(invited.items(), key=lambda kv: -_int(kv[1]))
    ]
    asked = _by(data, "interpreter_requested", Dimension.LANGUAGE)
    met = _by(data, "interpreter_met", Dimension.LANGUAGE)
    interpreters = [
        {"label": language_name(lang), "asked": _int(n), "met": _int(met.get(lang))}
        for lang, n in sorted(asked.items(), key=lambda kv: -_int(kv[1]))
    ]
    bars = [charts.Bar(str(r["label"]), r["rate"], pct(r["rate"])) for r in rows]
    svg = charts.bar_chart(
        bars,
        title=_("Invited families who came, last %(days)s days, by home language") % {"days": days},
        description=_("Share of invitations checked in at the door; the table lists the counts."),
        max_value=1.0,
    )
    for r in rows:
        r["rate"] = pct(r["rate"])
    asked_total = _int(_overall(data, "interpreter_requested"))
    met_total = _int(_overall(data, "interpreter_met"))
    return {
        "tiles": [
            _count_tile(_("Invited"), data, previous, "event_invited"),
            _count_tile(_("Said yes"), data, previous, "event_rsvp_yes"),
            _count_tile(_("Came"), data, previous, "event_attended"),
            {
                "label": _("Interpreter requests met"),
                "value": f"{met_total} / {asked_total}",
            },
        ],
        "svg": svg if rows else "",
        "bars": bars,
        "rows": rows,
        "interpreters": interpreters,
    }


# -- the dashboard page ----------------------------------------------------------------------------
def dashboard(scope, scope_id, *, period: int, sites: dict) -> dict:
    """Everything the dashboard shows for one scope over `period` days, read from the rollups;
    `stale` when they were not rolled up today."""
    latest = services.latest_day(scope, scope_id)
    data = services.figures(scope, scope_id, day=latest, period=period)
    # The trend: the same figures a whole period earlier, when the rollups go back that far.
    before = latest and services.previous_day(scope, scope_id, day=latest, period=period)
    previous = services.figures(scope, scope_id, day=before, period=period) if before else None
    points, trend_svg = reach_trend(scope, scope_id)
    district_id = scope_district(scope, scope_id)
    return {
        "scope": scope,
        "scope_id": scope_id,
        "tiles": headline_tiles(data, scope, scope_id),
        "sections": reach_sections(data, scope, scope_id, sites),
        "delivery": delivery_rows(data, sites),
        "coverage": coverage_rows(data),
        "trend_svg": trend_svg,
        "trend": points,
        "latest": latest,
        "stale": latest is None or latest < timezone.localdate(),
        "period": period,
        "previous_day": before,
        "concerns": concerns_panel(data, district_id, days=period, previous=previous),
        "referrals": referrals_panel(data, days=period, previous=previous),
        "events": events_panel(data, days=period, previous=previous),
    }


def headline_tiles(data, scope, scope_id) -> list[dict]:
    def overall(metric):
        return _overall(data, metric)

    return [
        {
            "label": METRICS["households"].label,
            "value": int(overall("households") or 0),
            "href": "",
        },
        {
            "label": METRICS["reach_30"].label,
            "value": pct(overall("reach_30")),
            "href": drill_url(scope, scope_id, "reach_30"),
            "help": METRICS["reach_30"].description,
        },
        {
            "label": METRICS["reach_90"].label,
            "value": pct(overall("reach_90")),
            "href": drill_url(scope, scope_id, "reach_90"),
            "help": METRICS["reach_90"].description,
        },
        {
            "label": METRICS["unreached"].label,
            "value": int(overall("unreached") or 0),
            "href": drill_url(scope, scope_id, "unreached"),
            "help": METRICS["unreached"].description,
        },
        {
            "label": METRICS["all_channels_failing"].label,
            "value": int(overall("all_channels_failing") or 0),
            "href": drill_url(scope, scope_id, "all_channels_failing"),
            "help": METRICS["all_channels_failing"].description,
        },
        {
            "label": METRICS["response_median"].label,
            "value": response_hours(overall("response_median")),
            "href": "",
            "help": METRICS["response_median"].description,
        },
        {
            "label": METRICS["response_p90"].label,
            "value": response_hours(overall("response_p90")),
            "href": "",
        },
    ]


def reach_sections(data, scope, scope_id, sites) -> list[dict]:
    """Reach in 30 days by home language, site, programme and grade: a chart and its table, each
    group linked to its unreached households."""
    sections = []
    for dimension, title in [
        (Dimension.LANGUAGE, _("by home language")),
        (Dimension.SITE, _("by site")),
        (Dimension.PROGRAMME, _("by program")),
        (Dimension.GRADE, _("by grade")),
    ]:
        if scope == Scope.SITE and dimension == Dimension.SITE:
            continue
        reach = _by(data, "reach_30", dimension)
        ranked = sorted(reach, key=lambda v: (reach[v] is None, -(reach[v] or 0)))
        if not ranked:
            continue
        bars = [
            charts.Bar(
                str(value_label(dimension, v, sites)),
                reach[v],
                pct(reach[v]),
                drill_url(scope, scope_id, "unreached", dimension, v),
            )
            for v in ranked
        ]
        unreached = _by(data, "unreached", dimension)
        households = _by(data, "households", dimension)
        table = [
            {
                "label": b.label,
                "reach": b.text,
                "unreached": int(unreached.get(v, 0) or 0),
                "households": int(households.get(v, 0) or 0),
                "href": b.href,
            }
            for b, v in zip(bars, ranked, strict=True)
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
    return sections


def delivery_rows(data, sites) -> list[dict]:
    """Delivery failure rates by channel and by language."""
    rows = []
    for dimension in (Dimension.CHANNEL, Dimension.LANGUAGE):
        rates = _by(data, "delivery_failure_rate", dimension)
        totals = _by(data, "deliveries", dimension)
        for value, rate in sorted(rates.items()):
            rows.append(
                {
                    "dimension": Dimension(dimension).label,
                    "label": value_label(dimension, value, sites),
                    "rate": pct(rate),
                    "total": int(totals.get(value, 0) or 0),
                }
            )
    return rows


def coverage_rows(data) -> list[dict]:
    """Per language, the translation figures (translation_* metrics) without their prefix."""
    coverage: dict[str, dict[str, int]] = {}
    for metric, by_dim in data.items():
        if metric.startswith("translation_"):
            for value, n in by_dim.get(Dimension.LANGUAGE, {}).items():
                coverage.setdefault(value, {})[metric.removeprefix("translation_")] = int(n or 0)
    return [{"label": language_name(k), **v} for k, v in sorted(coverage.items())]


def reach_trend(scope, scope_id) -> tuple[list[tuple[str, float | None]], str]:
    points = [(d.strftime("%b %d"), v) for d, v in services.trend(scope, scope_id)]
    svg = charts.line_chart(
        points,
        title=_("Reach over time"),
        description=_("Share of households reached in the previous 30 days, per day."),
    )
    return points, svg


def scope_district(scope, scope_id) -> int | None:
    """The district a scope's figures belong to."""
    if scope == Scope.DISTRICT:
        return scope_id
    return (
        Rollup.objects.filter(scope=scope, scope_id=scope_id)
        .values_list("district_id", flat=True)
        .first()
    )
