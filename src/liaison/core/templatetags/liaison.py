"""Template helpers shared by every app."""

from django import template
from django.utils.html import format_html

from liaison.core import policy
from liaison.core.dates import local_date, local_datetime, local_time
from liaison.core.i18n import base_language
from liaison.core.languages import language_label as named_language
from liaison.core.validators import format_phone, language_name

register = template.Library()


@register.filter
def phone(value):
    return format_phone(value)


@register.filter
def language(tag):
    return language_name(tag)


@register.filter
def language_label(tag):
    """'Spanish — español': the name in the reader's language and in itself."""
    return named_language(tag)


@register.filter
def label_of(labels, key):
    """{{ kinds|label_of:entry.kind }}: the words a dict of labels holds for a code (the code
    itself only when no label is registered)."""
    try:
        return labels.get(key, key)
    except AttributeError:
        return key


@register.filter
def date_local(value, length="medium"):
    """{{ day|date_local }} / {{ day|date_local:"long" }}: the reader's locale's date format."""
    return local_date(value, length)


@register.filter
def datetime_local(value, length="medium"):
    """{{ moment|datetime_local }}: date and time in the reader's locale, in the local zone."""
    return local_datetime(value, length)


@register.filter
def time_local(value, length="short"):
    """{{ moment|time_local }}: the time of day in the reader's locale, in the local zone."""
    return local_time(value, length)


@register.filter
def text_direction(tag):
    """'rtl' for right-to-left languages (Arabic, Urdu, Pashto, Dari, Hebrew...), else 'ltr'."""
    base = base_language(tag)
    return (
        "rtl"
        if base in {"ar", "ur", "ps", "prs", "fa", "he", "yi", "dv", "ckb", "sd", "ug"}
        else "ltr"
    )


@register.simple_tag(takes_context=True)
def can(context, check, obj=None):
    """{% can "edit_household" household as allowed %}: asks the one access policy."""
    user = context["request"].user
    return (
        getattr(policy, f"can_{check}")(user, obj)
        if obj is not None
        else getattr(policy, f"can_{check}")(user)
    )


@register.filter(is_safe=True)
def bdi(value):
    """A name isolated from the text around it: a right-to-left name (Arabic, Hebrew) does not
    reorder the words beside it, nor they the name. The name itself is escaped."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)
