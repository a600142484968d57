"""The advocacy summary: anonymised themes of concerns and unmet needs by site, for committees.

Counts come from the rollups (advocacy_concerns, advocacy_unmet: the last 12 months). A count of 1
to 9 is shown as "<10"; where a row or column has a total and exactly one cell of it is hidden,
a second cell is hidden too ("*"), so a hidden count cannot be worked out by subtraction.
"""

from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext as _

from liaison.insights import metrics, panels
from liaison.insights.choices import Dimension, Scope
from liaison.insights.models import Rollup

HIDDEN_SMALL = "<10"
HIDDEN_SECOND = "*"


def suppress_table(
    cells: list[list[int]], *, row_totals: bool, col_totals: bool
) -> list[list[str]]:
    """Cells as shown. With row_totals the last column is each row's total; with col_totals the
    last row is each column's total. Small counts become "<10"; then, until no total line has
    exactly one hidden cell, the smallest other cell of such a line is hidden as "*"."""
    if not cells:
        return []
    n_rows, n_cols = len(cells), len(cells[0])
    small = [[0 < v < metrics.SUPPRESS_BELOW for v in row] for row in cells]
    second = [[False] * n_cols for _ in range(n_rows)]
    lines = []
    if row_totals:
        lines += [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    if col_totals:
        lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]

    def hidden(p):
        return small[p[0]][p[1]] or second[p[0]][p[1]]

    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for p in line if hidden(p)) != 1:
                continue
            visible = [p for p in line if not hidden(p)]
            if not visible:
                continue
            # The smallest non-zero cell gives least away; a zero only when nothing else is left.
            pick = min(visible, key=lambda p: (cells[p[0]][p[1]] == 0, cells[p[0]][p[1]]))
            second[pick[0]][pick[1]] = True
            changed = True
    return [
        [
            HIDDEN_SMALL if small[r][c] else HIDDEN_SECOND if second[r][c] else str(cells[r][c])
            for c in range(n_cols)
        ]
        for r in range(n_rows)
    ]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[tuple[str, list[str]]] = field(default_factory=list)


def _counts(district_id, site_ids, metric):
    """{(scope, scope_id): {theme: count}} from the latest rollups of the district and its sites."""
    latest = Rollup.objects.filter(district_id=district_id, scope=Scope.DISTRICT).aggregate(
        day=Max("day")
    )["day"]
    out: dict = {}
    if latest is None:
        return out
    for scope, scope_id, value, number in Rollup.objects.filter(
        district_id=district_id,
        day=latest,
        metric=metric,
        dimension=Dimension.CATEGORY,
        scope__in=[Scope.DISTRICT, Scope.SITE],
    ).values_list("scope", "scope_id", "value", "number"):
        if scope == Scope.SITE and scope_id not in site_ids:
            continue
        out.setdefault((scope, scope_id), {})[value] = int(number or 0)
    return out


def summary(*, district_id, sites: list[tuple[int, str]], with_district: bool) -> list[Table]:
    """Two tables (concern themes, unmet needs) with a column per site (and the district)."""
    site_ids = {pk for pk, _name in sites}
    header = [_("Theme")] + [name for _pk, name in sites]
    if with_district:
        header.append(_("Whole district"))
    columns = [(Scope.SITE, pk) for pk, _name in sites]
    if with_district:
        columns.append((Scope.DISTRICT, district_id))
    tables = []
    for metric, title, labels_for in (
        ("advocacy_concerns", _("Family concerns by theme"), None),
        ("advocacy_unmet", _("Unmet needs by theme"), panels.need_labels),
    ):
        counts = _counts(district_id, site_ids, metric)
        themes = sorted({t for col in columns for t in counts.get(col, {})})
        labels = (
            panels.concern_category_labels(district_id)
            if labels_for is None
            else labels_for(themes)
        )
        themes.sort(key=lambda t: str(labels.get(t, t)))
        cells = [[counts.get(col, {}).get(t, 0) for col in columns] for t in themes]
        if themes:
            cells.append([sum(counts.get(col, {}).values()) for col in columns])
        shown = suppress_table(cells, row_totals=with_district, col_totals=True)
        row_labels = [str(labels.get(t, t)) for t in themes] + ([_("All themes")] if themes else [])
        tables.append(Table(title, header, list(zip(row_labels, shown, strict=True))))
    return tables
