"""CSV and Excel exports of insights' lists (the writers are core's, shared with other reports)."""

from django.utils.translation import gettext as _

from liaison.core.exports import (  # noqa: F401 (the names insights' callers use)
    FORMULA_STARTS,
    csv_response,
    safe_cell,
    table_response,
    xlsx_response,
)
from liaison.core.validators import language_name


def households_response(fmt: str, filename: str, households, *, last: tuple[str, object]):
    """A list of households (a drill-down, the at-risk list) as a table: name, home languages by
    name, home site, last two-way contact, and one column of the list's own (`last`: its header
    and a function of the household)."""
    header, cell = last
    rows = [
        (
            h.name,
            ", ".join(language_name(tag) for tag in h.home_languages),
            h.site.name if h.site else "",
            h.last_two_way_at.isoformat() if h.last_two_way_at else "",
            cell(h),  # type: ignore[operator]
        )
        for h in households
    ]
    columns = [_("Household"), _("Home languages"), _("Home site"), _("Last two-way contact")]
    return table_response(fmt, filename, [*columns, header], rows)
