"""The inbox's rows as HTML, written here rather than in a template loop.

The inbox lists up to 50 threads, and drawn by the template language each row (its filters, a
`blocktranslate`, an address reversed, a `timesince`) cost more than the rest of the page. Here a
row is a few string joins; the markup is the one the template wrote. Every value is escaped
(html.escape, as the templates escape: & < > " '); the words are the template's own msgids.
"""

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from liaison.core.today import url_maker


def _e(value: Any) -> str:
    return html.escape(str(value))


def _bdi(value: Any) -> str:
    return f"<bdi>{_e(value)}</bdi>" if value not in (None, "") else ""


def inbox_rows(threads: Iterable[Any], *, now: dt.datetime) -> SafeString:
    """The <tr> of each thread (annotated with `unread` and given its `preview` by the view)."""
    url = url_maker("messaging:conversation")
    words = {
        "family": _e(_("Family:")),
        "you": _e(_("You:")),
        "translated": _e(_("translated")),
        "unread": _e(_("Unread")),
        "read": _e(_("Read")),
    }
    out = []
    for c in threads:
        name = f'<a href="{_e(url(c.pk))}">{_bdi(c.household.name)}</a>'
        if c.unread:
            name = f"<strong>{name}</strong>"
        if c.staff_id:
            # The words are the catalogue's (as the template's blocktranslate), the name escaped.
            own = _("%(staff)s's thread") % {"staff": _e(c.staff)}
            name += f' <span class="meta">· {own}</span>'
        if c.preview:
            who = words["family"] if c.preview_from_family else words["you"]
            text = _bdi(c.preview)
            if c.unread:
                text = f"<strong>{text}</strong>"
            translated = (
                f' <span class="meta">({words["translated"]})</span>'
                if c.preview_translated
                else ""
            )
            preview = f'<span class="meta">{who}</span> {text}{translated}'
        else:
            preview = "—"
        waiting = (
            f'<span class="badge badge-danger">{_e(timesince(c.awaiting_since, now))}</span>'
            if c.awaiting_since
            else "—"
        )
        unread = (
            f'<strong class="unread-mark">{words["unread"]}</strong> '
            f'<span class="badge">{int(c.unread)}</span>'
            if c.unread
            else words["read"]
        )
        classes = " ".join(
            part
            for part in ("awaiting" if c.awaiting_since else "", "unread" if c.unread else "")
            if part
        )
        assigned = _e(c.assigned_to) if c.assigned_to_id else "—"
        out.append(
            f'<tr class="{classes}">\n      <td>{name}</td>\n'
            f'      <td class="preview">{preview}</td>\n'
            f"      <td>{waiting}</td>\n      <td>{unread}</td>\n      <td>{assigned}</td>\n"
            "    </tr>"
        )
    return SafeString("\n".join(out))
