"""Text of the shared layout and people's choices that portal pages show, and of the kiosk.

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

# The check-in kiosk at an event's door (events/templates/events/kiosk*.html, events.forms and
# events.services): families use it, in a language of the event that they choose, so its text
# is kept here with the rest of what families read.
KIOSK = [
    gettext_noop("Check-in — %(title)s"),
    gettext_noop("Welcome to %(title)s"),
    gettext_noop("Check in with your QR code"),
    gettext_noop("Scan the QR code or type its code"),
    gettext_noop("Scan the QR code or type its code."),
    gettext_noop("Check in"),
    gettext_noop("Welcome, %(name)s! Checked in: %(n)s."),
    gettext_noop("%(name)s is already checked in."),
    gettext_noop("Or find your name"),
    gettext_noop("Name"),
    gettext_noop("Type at least %(n)s letters of your family name."),
    gettext_noop("Check in %(name)s"),
    gettext_noop("No one invited by that name. Add a walk-in below."),
    gettext_noop("Walk-in"),
    gettext_noop("How many people"),
    gettext_noop("Add and check in"),
    gettext_noop("Welcome, %(name)s!"),
    gettext_noop("No invitation to this event has that code."),
    gettext_noop("That invitation is for another event."),
    gettext_noop("Staff: leave the kiosk"),
    gettext_noop("Leave the kiosk"),
    gettext_noop("Password of the staff member who opened the kiosk"),
    gettext_noop("That is not the password."),
    gettext_noop("Too many tries. Wait a few minutes and try again."),
    gettext_noop("Back to check-in"),
    gettext_noop("Not found."),
    gettext_noop("Something went wrong; please try again."),
]
