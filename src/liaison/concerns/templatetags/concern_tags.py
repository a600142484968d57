"""A concern's urgency in colour and words, with when it is due: "High — due tomorrow"."""

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from liaison.concerns.choices import OPEN_STATUSES, Urgency
from liaison.concerns.models import Concern

register = template.Library()


def due_words(due_at: dt.datetime, now: dt.datetime) -> str:
    """When a concern is due, in the reader's words and zone: "overdue", "due today", "due
    tomorrow", "due Friday" within the week, else "due Dec 14"."""
    if due_at < now:
        return _("overdue")
    days = (timezone.localdate(due_at) - timezone.localdate(now)).days
    if days == 0:
        return _("due today")
    if days == 1:
        return _("due tomorrow")
    local = timezone.localtime(due_at)
    if days < 7:
        return _("due %(weekday)s") % {"weekday": formats.date_format(local, "l")}
    return _("due %(date)s") % {"date": formats.date_format(local, "MONTH_DAY_FORMAT")}


def urgency_words(concern: Concern, now: dt.datetime | None = None) -> str:
    label = str(Urgency(concern.urgency).label)
    if concern.status not in OPEN_STATUSES:
        return label
    return _("%(urgency)s — %(due)s") % {
        "urgency": label,
        "due": due_words(concern.due_at, now or timezone.now()),
    }


@register.simple_tag
def concern_urgency(concern: Concern, now: dt.datetime | None = None) -> str:
    """The badge every list of concerns shows: the colour says the urgency, and so do the words
    (never the colour alone); an overdue open concern is marked as such."""
    now = now or timezone.now()
    overdue = concern.status in OPEN_STATUSES and concern.due_at < now
    return format_html(
        '<span class="badge urgency urgency-{}{}">{}</span>',
        concern.urgency,
        " urgency-overdue" if overdue else "",
        urgency_words(concern, now),
    )
