"""What the concerns app adds to the household page: the panel (open concerns, the contact form),
the "Raise a concern" action, and the timeline's concerns, notes and contacts.

Each provider runs one indexed query (household, newest first, `before`, `limit`) and shows each
viewer only what the policy lets them read; confidential notes are filtered in the query. The
first page is on every household page, so per-row work is kept small: choice labels are looked up
once per call and only the columns an entry shows are read.
"""

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.concerns.choices import OPEN_STATUSES, ContactKind, Status, Urgency
from liaison.concerns.forms import ContactForm
from liaison.concerns.models import Concern, ConcernNote, Contact
from liaison.core import pages, reads
from liaison.core.pages import TimelineEntry
from liaison.core.policy import concerns as concern_policy
from liaison.people import caseload


def open_concerns(request, household):
    """The family's open concerns this person can open, soonest due first."""
    return (
        Concern.objects.filter(
            concern_policy.concern_filter_in(request.user, household),
            household=household,
            status__in=OPEN_STATUSES,
        )
        # a choice's label names the category and the household; the panel, the assignee
        .select_related("category", "household", "assignee")
        .order_by("due_at")
    )


def contact_form(request, household, data=None, *, concerns_read=None):
    """The short contact form, offering the family's open concerns this person can open."""
    return ContactForm(
        data,
        household=household,
        concerns=open_concerns(request, household),
        concerns_read=concerns_read,
        prefix="contact",
    )


def panel_context(request, household):
    """The household page's panel: open concerns and the short contact form (its choices are the
    same concerns, read once)."""
    concerns = reads.later(open_concerns(request, household))
    return {
        "form": contact_form(request, household, concerns_read=concerns),
        "open_concerns": concerns.then(lambda rows: rows[:10]),
        "now": timezone.now(),
    }


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _concern_url_pattern() -> str:
    """The concern page's address with {} for the id: one reverse() per call, not per row."""
    marker = 987654321
    return reverse("concerns:detail", args=[marker]).replace(str(marker), "{}")


def _user_columns(prefix):
    """What str(user) reads, for values_list() across a relation."""
    return [f"{prefix}__{f}" for f in ("first_name", "last_name", "username")]


def _staff_name(first_name, last_name, username) -> str:
    """str(user) from its columns (get_full_name() or the username); "" when there is no user."""
    return f"{first_name or ''} {last_name or ''}".strip() or (username or "")


def concern_entries(household, user, *, before=None, limit=25):
    qs = Concern.objects.filter(household=household).filter(
        concern_policy.concern_filter_in(user, household)
    )
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    rows = qs.order_by("-created_at").values_list(
        "pk", "created_at", "category__label", "description", "status", "urgency", "language"
    )[:limit]
    return reads.later(rows, _concern_entries)


def _concern_entries(rows):
    statuses, urgencies = _labels(Status), _labels(Urgency)
    url = _concern_url_pattern()
    for pk, at, category, description, status, urgency, language in rows:
        yield TimelineEntry(
            at=at,
            kind="concern",
            title=_("Concern: %(category)s") % {"category": category},
            summary=description,
            url=url.format(pk),
            badges=(statuses.get(status, status), urgencies.get(urgency, urgency)),
            language=language,
        )


def note_entries(household, user, *, before=None, limit=25):
    scope = concern_policy.concern_filter_in(user, household)
    qs = ConcernNote.objects.filter(household=household)
    # All the family's concerns but those about the reader: note_filter leaves those out itself,
    # without the subquery on concerns.
    if scope not in (Q(), concern_policy.not_about(user)):
        qs = qs.filter(concern__in=Concern.objects.filter(scope, household=household))
    qs = qs.filter(concern_policy.note_filter(user, household))
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    rows = qs.order_by("-created_at").values_list(
        "pk", "concern_id", "body", "restricted", "created_at", *_user_columns("author")
    )[:limit]
    return reads.later(rows, _note_entries)


def _note_entries(rows):
    url = _concern_url_pattern()
    for pk, concern_id, body, restricted, at, *author in rows:
        yield TimelineEntry(
            at=at,
            kind="note",
            title=_("Confidential note") if restricted else _("Note"),
            summary=body,
            url=url.format(concern_id) + f"#note-{pk}",
            actor=_staff_name(*author),
            badges=(_("Confidential"),) if restricted else (),
        )


def contact_entries(household, user, *, before=None, limit=25):
    qs = Contact.objects.filter(household=household)
    if before is not None:
        qs = qs.filter(at__lt=before)
    rows = qs.order_by("-at").values_list(
        "at",
        "kind",
        "duration_minutes",
        "purpose",
        "outcome",
        "next_step",
        "language",
        "guardian__given_name",
        "guardian__preferred_name",
        "guardian__family_name",
        *_user_columns("by"),
    )[:limit]
    return reads.later(rows, _contact_entries)


def _contact_entries(rows):
    kinds = _labels(ContactKind)
    for (
        at,
        kind,
        minutes,
        purpose,
        outcome,
        next_step,
        language,
        given,
        preferred,
        family,
        *by,
    ) in rows:
        title = kinds.get(kind, kind)
        if given is not None:  # Guardian.full_name
            title = f"{title} — {f'{preferred or given} {family}'.strip()}"
        yield TimelineEntry(
            at=at,
            kind="contact",
            title=title,
            summary=" · ".join(p for p in [purpose, outcome, next_step] if p),
            actor=_staff_name(*by),
            badges=(f"{minutes} min",) if minutes else (),
            language=language,
        )


def last_logged_contact():
    """For the caseload: the latest call, visit or meeting logged with the family."""
    return Subquery(
        Contact.objects.filter(household_id=OuterRef("pk")).order_by("-at").values("at")[:1]
    )


def open_concern_count():
    """For the caseload: how many of the family's concerns are open."""
    return Subquery(
        Concern.objects.filter(household_id=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def register() -> None:
    caseload.register_last_contact(
        "concerns.contact", last_logged_contact, tables=("concerns.Contact",)
    )
    caseload.register_open_items(
        "concerns", gettext_lazy("open concerns"), open_concern_count, tables=("concerns.Concern",)
    )
    pages.add_action(
        "household",
        gettext_lazy("Raise a concern"),
        "concerns:new",
        order=20,
        ask=concern_policy.can_raise,
    )
    pages.add_panel(
        "household",
        "concerns/_household_panel.html",
        order=20,
        context=panel_context,
        ask=concern_policy.can_log_contact,
        # the concerns' categories, their assignees; the interpreters the contact form offers
        tables=("concerns.ConcernCategory", "people.User", "people.Membership"),
    )
    # Concerns and notes: each viewer gets the rows the policy's filters leave them (none, some, all).
    for kind, label, entries in [
        ("concern", gettext_lazy("Concerns"), concern_entries),
        ("note", gettext_lazy("Notes"), note_entries),
    ]:
        pages.add_timeline(
            "household",
            kind,
            label,
            entries,
            ask=pages.page_opened,
            tables=("concerns.ConcernCategory", "people.User"),  # a category; a note's author
        )
    pages.add_timeline(
        "household",
        "contact",
        gettext_lazy("Contacts"),
        contact_entries,
        ask=concern_policy.can_see_contacts,
        tables=("people.User",),  # who logged it
    )
