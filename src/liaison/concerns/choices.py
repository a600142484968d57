"""Enumerations of the concerns app, in the liaison's words."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Source(models.TextChoices):
    PORTAL = "portal", _("Family portal")
    PHONE = "phone", _("Phone call")
    MESSAGE = "message", _("Message")
    WALK_IN = "walk_in", _("Walk-in")
    TEACHER = "teacher", _("Teacher referral")
    STAFF = "staff", _("Staff referral")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


# Urgencies that tell the liaison and the site leader at once when a concern is raised.
PRESSING_URGENCIES = frozenset({Urgency.URGENT, Urgency.HIGH})

# Default service targets (hours until due) a district starts with.
DEFAULT_TARGET_HOURS = {
    Urgency.URGENT: 24,
    Urgency.HIGH: 72,
    Urgency.NORMAL: 7 * 24,
    Urgency.LOW: 14 * 24,
}


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FAMILY = "waiting_family", _("Waiting on family")
    WAITING_SCHOOL = "waiting_school", _("Waiting on school")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class ClosedReason(models.TextChoices):
    """Why a concern was closed without an outcome (closing asks for one or the other)."""

    NO_RESPONSE = "no_response", _("The family stopped responding")
    WITHDRAWN = "withdrawn", _("The family withdrew it")
    DUPLICATE = "duplicate", _("A duplicate of another concern")
    REFERRED = "referred", _("Handed to another service")
    IN_ERROR = "in_error", _("Raised in error")


# The form and the service refuse a close with neither, and name the field.
CLOSE_NEEDS_OUTCOME = _(
    "Say what came of the concern in “Outcome”, or choose why it was closed without one."
)

OPEN_STATUSES = [
    Status.NEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.WAITING_FAMILY,
    Status.WAITING_SCHOOL,
]
WAITING_STATUSES = [Status.WAITING_FAMILY, Status.WAITING_SCHOOL]

# The status machine: from each status, where a concern may go next.
TRANSITIONS = {
    Status.NEW: {Status.ASSIGNED, Status.CLOSED},
    Status.ASSIGNED: {
        Status.IN_PROGRESS,
        Status.WAITING_FAMILY,
        Status.WAITING_SCHOOL,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.IN_PROGRESS: {
        Status.WAITING_FAMILY,
        Status.WAITING_SCHOOL,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.WAITING_FAMILY: {
        Status.IN_PROGRESS,
        Status.WAITING_SCHOOL,
        Status.RESOLVED,
        Status.CLOSED,
    },
    Status.WAITING_SCHOOL: {
        Status.IN_PROGRESS,
        Status.WAITING_FAMILY,
        Status.RESOLVED,
        Status.CLOSED,
    },
    # Reopening goes back to work in progress.
    Status.RESOLVED: {Status.CLOSED, Status.IN_PROGRESS},
    Status.CLOSED: {Status.IN_PROGRESS},
}


class Satisfaction(models.TextChoices):
    YES = "yes", _("Yes, resolved to our satisfaction")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


# What a family may text back to the satisfaction question, by language (the question is sent in
# theirs). Folded to capitals without accents before matching; every language's words are accepted.
# The question asks for 1, 2 or 3: a bare "YES"/"SÍ" is messaging's START (opt back in) keyword
# and never reaches us, and digits read the same in every language.
SATISFACTION_KEYWORDS = {
    "*": {Satisfaction.YES: ["1"], Satisfaction.PARTLY: ["2"], Satisfaction.NO: ["3"]},
    "en": {
        Satisfaction.YES: ["YES", "Y", "YEP"],
        Satisfaction.PARTLY: ["PARTLY", "PARTIALLY", "SOMEWHAT", "SORT OF"],
        Satisfaction.NO: ["NO", "N", "NOPE"],
    },
    "es": {
        Satisfaction.YES: ["SI", "S"],
        Satisfaction.PARTLY: ["EN PARTE", "PARCIALMENTE", "MAS O MENOS", "UN POCO"],
        Satisfaction.NO: ["NO"],
    },
    "pt": {
        Satisfaction.YES: ["SIM"],
        Satisfaction.PARTLY: ["EM PARTE", "PARCIALMENTE", "MAIS OU MENOS"],
        Satisfaction.NO: ["NAO"],
    },
    "fr": {
        Satisfaction.YES: ["OUI"],
        Satisfaction.PARTLY: ["EN PARTIE", "PARTIELLEMENT"],
        Satisfaction.NO: ["NON"],
    },
    "ht": {
        Satisfaction.YES: ["WI"],
        Satisfaction.PARTLY: ["AN PATI"],
        Satisfaction.NO: ["NON"],
    },
    "vi": {
        Satisfaction.YES: ["CO"],
        Satisfaction.PARTLY: ["MOT PHAN"],
        Satisfaction.NO: ["KHONG"],
    },
}


class ContactKind(models.TextChoices):
    CALL = "call", _("Phone call")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")
    HOME_VISIT = "home_visit", _("Home visit")
    MEETING = "meeting", _("Meeting")
    WALK_IN = "walk_in", _("Walk-in")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person (at school or pick-up)")


# The kinds in which staff try to reach a family (the proof of outreach counts them); a meeting or
# a walk-in is the family coming to us.
ATTEMPT_KINDS = (
    ContactKind.CALL,
    ContactKind.TEXT,
    ContactKind.EMAIL,
    ContactKind.HOME_VISIT,
    ContactKind.LETTER,
    ContactKind.IN_PERSON,
)


class ContactResult(models.TextChoices):
    """What came of an attempt to reach a family: the proof of outreach counts the unanswered ones."""

    REACHED = "reached", _("Reached the family")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    NOT_HOME = "not_home", _("Nobody at home")
    WRONG_DETAILS = "wrong_details", _("Wrong number or address")
    NO_REPLY = "no_reply", _("Sent, no reply")
    RETURNED = "returned", _("Returned undelivered")


class ReminderKind(models.TextChoices):
    OVERDUE = "overdue", _("Concern overdue")
    FOLLOW_UP = "follow_up", _("Follow-up due")


# The district's starting list of categories (a district can edit it).
def category_label(code: str, label: str) -> str:
    """A category's name for the reader: a standard category in the reader's language, unless the
    district renamed it (then the district's own words, as stored)."""
    from django.utils import translation

    standard = _STANDARD_LABELS.get(code)
    if standard is None:
        return label
    with translation.override("en"):
        english = str(standard)
    return str(standard) if label == english else label


DEFAULT_CATEGORIES = [
    ("academic", _("Academic")),
    ("attendance", _("Attendance")),
    ("behaviour", _("Behavior")),
    ("bullying_safety", _("Bullying or safety")),
    ("special_education", _("Special education")),
    ("health", _("Health")),
    ("basic_needs", _("Basic needs")),
    ("conflict_staff", _("Conflict with staff")),
    ("transport", _("Transport")),
    ("other", _("Other")),
]
_STANDARD_LABELS = dict(DEFAULT_CATEGORIES)
# The standard categories in a family's words (the portal's catalogues have them in the ten portal
# languages); a district's own categories, or a standard one it renamed, are translated from its
# label (services.family_category_words).
FAMILY_CATEGORY_WORDS = {
    "academic": pgettext_lazy("family", "School work"),
    "attendance": pgettext_lazy("family", "Attendance"),
    "behaviour": pgettext_lazy("family", "Behavior"),
    "bullying_safety": pgettext_lazy("family", "Bullying or safety"),
    "special_education": pgettext_lazy("family", "Special education"),
    "health": pgettext_lazy("family", "Health"),
    "basic_needs": pgettext_lazy("family", "Food, housing or other basic needs"),
    "conflict_staff": pgettext_lazy("family", "A problem with school staff"),
    "transport": pgettext_lazy("family", "Transport"),
    "other": pgettext_lazy("family", "Something else"),
}


def is_standard_label(code: str, label: str) -> bool:
    """Whether a category is a standard one under its standard name (not renamed by the district)."""
    from django.utils import translation

    standard = _STANDARD_LABELS.get(code)
    if standard is None:
        return False
    with translation.override("en"):
        return label == str(standard)


# The district table's starting rows: a concern of these kinds, raised by a family, is high and due
# in one school day (the district admin can change it). A district that adds its own "Bullying",
# "Safety" or "Discrimination" category gets the same by its code.
PRESSING_CATEGORIES = frozenset({"bullying_safety", "bullying", "safety", "discrimination"})


def default_triage(code: str) -> tuple[str, int | None]:
    """(urgency, school days to respond or None for the urgency's service target) a category of
    this code starts with."""
    if code in PRESSING_CATEGORIES:
        return Urgency.HIGH, 1
    return Urgency.NORMAL, None


# Standard categories that are about a member of staff (ConcernCategory.about_staff).
ABOUT_STAFF_CATEGORIES = frozenset({"conflict_staff"})
