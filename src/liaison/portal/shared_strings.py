"""Text of the shared layout and people's choices that portal pages show, and of the kiosk.

Kept in the portal's own catalogue so that every portal page is whole in each family language,
whatever the project catalogue covers.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

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

# Texts Liaison itself writes to a family (events.wording, messaging.delivery's email subject),
# marked with the context "family": tests/portal/test_family_texts.py finds every such text in
# src/ and fails when one of the ten catalogues lacks it. Listed here too so that makemessages run
# in this app keeps them.
FAMILY = [
    pgettext_lazy("family", "You are invited: %(title)s"),
    pgettext_lazy("family", "interpretation"),
    pgettext_lazy("family", "childcare"),
    pgettext_lazy("family", "transport"),
    pgettext_lazy("family", "We offer: %(what)s."),
    pgettext_lazy("family", "Answer here: %(url)s"),
    pgettext_lazy(
        "family", "Or reply YES, NO or MAYBE with the code %(code)s (for example: YES %(code)s 2)."
    ),
    pgettext_lazy("family", "A seat is yours: %(title)s"),
    pgettext_lazy("family", "A place opened up and it is yours. %(title)s, %(when)s, %(where)s."),
    pgettext_lazy("family", "Reminder: %(title)s"),
    pgettext_lazy("family", "See you at %(title)s, %(when)s, %(where)s."),
    pgettext_lazy("family", "Changed: %(title)s"),
    pgettext_lazy("family", "%(title)s has changed. New time and place: %(when)s, %(where)s."),
    pgettext_lazy("family", "Cancelled: %(title)s"),
    pgettext_lazy("family", "%(title)s on %(when)s is cancelled. We are sorry."),
    pgettext_lazy("family", "Message from %(name)s, %(school)s"),
    pgettext_lazy("family", "Message from %(school)s"),
    pgettext_lazy("family", "A service that can help: %(name)s"),
    pgettext_lazy("family", "Hours: %(hours)s"),
    pgettext_lazy("family", "Was your concern resolved?"),
    pgettext_lazy(
        "family",
        "We have worked on the concern you raised about %(category)s. Was it resolved to your satisfaction? Reply 1 for yes, 2 for partly or 3 for no; you may add a few words after the number.",
    ),
    pgettext_lazy("family", "What we agreed at our meeting"),
]

# The RSVP link's pages (events/templates/events/rsvp_*.html), opened by families from a text.
RSVP = [
    gettext_noop("Thank you"),
    gettext_noop("This event is cancelled."),
    gettext_noop("video link"),
    gettext_noop("Change my answer"),
    gettext_noop("We have your answer."),
    gettext_noop("Your place at %(title)s is confirmed."),
    gettext_noop(
        "The event is full: you are on the waitlist. We will tell you as soon as a place opens."
    ),
    gettext_noop("Link not valid"),
    gettext_noop("This link has expired."),
    gettext_noop("This link is not valid."),
    gettext_noop("This link has already been used. Use the newest link we sent."),
    gettext_noop("Every day"),  # a service's hours in a referral (resources.search.hours)
]

# The unsubscribe page an email's link opens (messaging/templates/messaging/unsubscribed.html).
UNSUBSCRIBE = [
    gettext_noop("Unsubscribe"),
    gettext_noop("You are unsubscribed"),
    gettext_noop(
        "You will not receive these emails any more. Your school can still reach you in an "
        "emergency by other means."
    ),
    gettext_noop("Unsubscribe from school emails?"),
]
