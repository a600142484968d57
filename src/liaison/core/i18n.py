"""Language helpers every app shares, and Django's own strings that its catalogues lack for our
languages: listed here so makemessages keeps them in ours (LOCALE_PATHS is searched before
Django's catalogues)."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # BLANK_CHOICE_LABEL of Django 6
]


def base_language(tag: str | None) -> str:
    """The primary language subtag of a BCP 47 tag, lower case ("es-MX" -> "es", "zh-Hant" -> "zh"):
    what an interpreter speaks, an engine translates or a font is made for ("" for no tag)."""
    return (tag or "").split("-")[0].lower()
