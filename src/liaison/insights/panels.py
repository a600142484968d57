"""The concerns, referrals and events panels of a dashboard: chart, table and headline figures,
built from one scope's rollup figures (no raw history)."""

import uuid

from django.utils.translation import gettext as _

from liaison.core.validators import language_name
from liaison.insights import charts, metrics
from liaison.insights.activity import UNSPECIFIED
from liaison.insights.choices import Dimension


def pct(value):
    return "—" if value is None else f"{value * 100:.0f}%"


def hours(value):
    if value is None:
        return "—"
    if value >= 48:
        return _("%(n).1f days") % {"n": value / 24}
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


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
