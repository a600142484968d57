"""Today's rows as HTML, written here rather than in a template loop.

Today is the page a liaison opens most, and its rows are most of it: drawn by the template
language, 25 rows with a task's three forms each cost more than everything else the page does
(about 0.5 ms a row). Here a row costs a few string joins; the markup is the one the templates
wrote before, and the htmx answer to a refused action uses `task_row` too, so the row has one
source. Every value is escaped (html.escape, as the templates escape: & < > " '); the words are
the templates' own msgids ("was due %(day)s", "for %(age)s").
"""

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

from django.middleware.csrf import get_token
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from liaison.core.dates import local_date
from liaison.core.today import NOTICE, URGENT, Item, url_maker


def _e(value: Any) -> str:
    """Escaped as Django's templates escape (& < > " '), a name or a text a family wrote."""
    return html.escape(str(value))


def _bdi(value: Any) -> str:
    return f"<bdi>{_e(value)}</bdi>" if value not in (None, "") else ""


def item_body(item: Item, *, now: dt.datetime, dates: dict[Any, str] | None = None) -> SafeString:
    """Why the row is there, what it is about, its detail and its next actions. `dates`: the
    dates already written for this page (rows share their days; Babel's formatting is not free)."""
    dates = {} if dates is None else dates

    def local(value: Any) -> str:
        if value not in dates:
            dates[value] = local_date(value)
        return dates[value]

    urgent = (
        f'<span class="badge badge-danger">{_e(_("Urgent"))}</span> '
        if item.priority == URGENT
        else ""
    )
    if item.due_on:
        day = local(item.due_on)
        if item.overdue:
            when = (
                f'<span class="badge badge-danger">{_e(_("was due %(day)s") % {"day": day})}</span>'
            )
        else:
            when = f'<span class="badge">{_e(_("due %(day)s") % {"day": day})}</span>'
    elif item.priority == NOTICE:
        when = f'<span class="meta">{_e(local(item.at))}</span>'
    else:
        age = _("for %(age)s") % {"age": timesince(item.at, now)}
        when = f'<span class="meta">{_e(age)}</span>'
    title = f'<a href="{_e(item.url)}">{_bdi(item.title)}</a>' if item.url else _bdi(item.title)
    household = (
        f' <span class="meta">· {_bdi(item.household)}</span>'
        if item.household and item.household != item.title
        else ""
    )
    detail = (
        f'\n<p class="meta today-detail">{_e(Truncator(item.detail).chars(140))}</p>'
        if item.detail
        else ""
    )
    links = (
        '\n<p class="actions">'
        + "".join(
            f'<a class="button" href="{_e(url)}">{_e(label)}</a>' for label, url in item.links
        )
        + "</p>"
        if item.links
        else ""
    )
    return SafeString(
        f'<p class="today-why">{urgent}<strong>{_e(item.reason)}</strong>\n  · {when}</p>\n'
        f'<p class="today-what">{title}{household}</p>{detail}{links}'
    )


MARKER = 2_147_483_647  # a task id no row has: the stand-in of TaskActions' forms


class TaskActions:
    """The forms that act on a task in place, their addresses reversed once for a page of rows."""

    def __init__(self, request: Any, *, colleagues: bool) -> None:
        self.csrf = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
        self.colleagues = colleagues
        self.complete = url_maker("worklist:complete")
        self.snooze = url_maker("worklist:snooze")
        self.reassign = url_maker("worklist:reassign")
        self.words = {
            "outcome": _("Outcome"),
            "done": _("Mark done"),
            "until": _("Snooze until"),
            "snooze": _("Snooze"),
            "owner": _("Hand to"),
            "owner_help": _("Type a colleague's name or username and choose it from the list."),
            "hand": _("Hand over"),
        }

        # Written once for the page with a stand-in id, which each row's own id replaces.
        self._forms = str(self._write(MARKER))

    def forms(self, pk: int) -> SafeString:
        return SafeString(self._forms.replace(str(MARKER), str(int(pk))))

    def _write(self, pk: int) -> SafeString:
        w = self.words
        done = self.complete(pk)
        snooze = self.snooze(pk)
        html = format_html(
            '<form method="post" action="{url}" hx-post="{url}" hx-target="#task-{pk}" '
            'hx-swap="outerHTML" class="inline-form">{csrf}\n'
            '      <label for="outcome-{pk}">{outcome}</label>\n'
            '      <input type="text" id="outcome-{pk}" name="outcome" maxlength="2000" '
            "required>\n"
            '      <button type="submit" class="primary">{done}</button>\n'
            "    </form>\n"
            '    <form method="post" action="{snooze_url}" hx-post="{snooze_url}" '
            'hx-target="#task-{pk}" hx-swap="outerHTML" class="inline-form">{csrf}\n'
            '      <label for="until-{pk}">{until}</label>\n'
            '      <input type="date" id="until-{pk}" name="until" required>\n'
            '      <button type="submit">{snooze}</button>\n'
            "    </form>",
            url=done,
            pk=pk,
            csrf=self.csrf,
            outcome=w["outcome"],
            done=w["done"],
            snooze_url=snooze,
            until=w["until"],
            snooze=w["snooze"],
        )
        if self.colleagues:
            html += format_html(
                '\n    <form method="post" action="{url}" hx-post="{url}" hx-target="#task-{pk}" '
                'hx-swap="outerHTML" class="inline-form">{csrf}\n'
                '      <label for="owner-{pk}">{owner}</label>\n'
                '      <input type="text" id="owner-{pk}" name="owner" list="colleagues" '
                'required autocomplete="off" aria-describedby="owner-help-{pk}">\n'
                '      <span id="owner-help-{pk}" class="visually-hidden">{help}</span>\n'
                '      <button type="submit">{hand}</button>\n'
                "    </form>",
                url=self.reassign(pk),
                pk=pk,
                csrf=self.csrf,
                owner=w["owner"],
                help=w["owner_help"],
                hand=w["hand"],
            )
        return html


def task_row(
    pk: int,
    *,
    actions: TaskActions,
    body: SafeString,
    priority: int = 1,
    errors: Iterable[str] = (),
    after: SafeString | str = "",
) -> SafeString:
    """A task's row: its body, the errors of a refused action, and the forms acting on it."""
    listed = list(errors)
    error_html = (
        format_html(
            '\n  <div class="error-summary" role="alert"><ul>{}</ul></div>',
            format_html_join("", "<li>{}</li>", ((e,) for e in listed)),
        )
        if listed
        else ""
    )
    # body, error_html, the forms and `after` are HTML already (escaped where they were made).
    return SafeString(
        f'<li class="today-row task-row priority-{int(priority)}" id="task-{int(pk)}">\n  '
        f"{body}{error_html}\n"
        f'  <div class="task-actions">\n    {actions.forms(pk)}\n  </div>{after}\n</li>'
    )


def task_title(task: Any) -> SafeString:
    """The body of a task's row answered on its own (a refused action): its title and family."""
    household = (
        format_html(' <span class="meta">· {}</span>', _bdi(task.household))
        if task.household_id
        else ""
    )
    return format_html('<p class="today-what"><strong>{}</strong>{}</p>', task.title, household)


def rows(items: Iterable[Item], *, request: Any, colleagues: bool, now: dt.datetime) -> SafeString:
    """Today's list: a task's row with its forms, any other row with its links."""
    actions = TaskActions(request, colleagues=colleagues)
    dates: dict[Any, str] = {}
    out = []
    for item in items:
        body = item_body(item, now=now, dates=dates)
        if item.task_id:
            out.append(task_row(item.task_id, actions=actions, body=body, priority=item.priority))
        else:
            out.append(
                format_html(
                    '<li class="today-row priority-{}">\n    {}\n  </li>', item.priority, body
                )
            )
    return format_html_join("\n  ", "{}", ((row,) for row in out))
