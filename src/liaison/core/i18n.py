"""Django's own strings that its catalogues lack for our languages: listed here so makemessages
keeps them in ours (LOCALE_PATHS is searched before Django's catalogues)."""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),  # BLANK_CHOICE_LABEL of Django 6
]
