"""Text of the shared layout and people's choices that portal pages show.

Kept in the portal's own catalogue so that every portal page is whole in each family language,
whatever the project catalogue covers.
"""

from django.utils.translation import gettext_noop

SHARED = [
    gettext_noop("Skip to main content"),
    gettext_noop("Please correct the fields marked below."),
    gettext_noop("This field is required."),
    # people.choices.Grade
    gettext_noop("Infant/toddler"),
    gettext_noop("Preschool"),
    gettext_noop("Pre-kindergarten"),
    gettext_noop("Transitional kindergarten"),
    gettext_noop("Kindergarten"),
    gettext_noop("Grade 1"),
    gettext_noop("Grade 2"),
    gettext_noop("Grade 3"),
    gettext_noop("Grade 4"),
    gettext_noop("Grade 5"),
    gettext_noop("Grade 6"),
    gettext_noop("Grade 7"),
    gettext_noop("Grade 8"),
    gettext_noop("Grade 9"),
    gettext_noop("Grade 10"),
    gettext_noop("Grade 11"),
    gettext_noop("Grade 12"),
    gettext_noop("Grade 13"),
    gettext_noop("Postsecondary"),
    gettext_noop("Ungraded"),
    gettext_noop("Other"),
    # messaging.inbound: the STOP, START and HELP answers a family reads in their language
    gettext_noop(
        "%(sender)s: you will get no more text messages from us. Reply START to receive them again."
    ),
    gettext_noop(
        "You will get no more text messages from this number. Reply START to receive them again."
    ),
    gettext_noop("%(sender)s: you will receive our text messages again. Reply STOP to stop."),
    gettext_noop(
        "%(sender)s family messages. Help: %(phone)s. Msg frequency varies. "
        "Msg & data rates may apply. Reply STOP to stop."
    ),
]
