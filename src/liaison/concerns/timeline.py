"""The concerns app's feeds for the household timeline: concerns, notes and contacts.

Each provider runs one indexed query (household, newest first, `before`, `limit`) and shows each
viewer only what the policy lets them read; confidential notes are filtered in the query.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.concerns.models import Concern, ConcernNote, Contact
from liaison.core.policy import concerns as concern_policy
from liaison.people import timeline
from liaison.people.timeline import TimelineEntry


def concern_entries(household, user, *, before=None, limit=25):
    qs = Concern.objects.filter(household=household).filter(
        concern_policy.concern_filter_in(user, household)
    )
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    for c in qs.select_related("category").order_by("-created_at")[:limit]:
        yield TimelineEntry(
            at=c.created_at,
            kind="concern",
            title=_("Concern: %(category)s") % {"category": c.category.label},
            summary=c.description,
            url=c.get_absolute_url(),
            badges=(c.get_status_display(), c.get_urgency_display()),
            language=c.language,
        )


def note_entries(household, user, *, before=None, limit=25):
    scope = concern_policy.concern_filter_in(user, household)
    qs = ConcernNote.objects.filter(household=household)
    if scope != Q():
        qs = qs.filter(concern__in=Concern.objects.filter(scope, household=household))
    qs = qs.filter(concern_policy.note_filter(user, household))
    if before is not None:
        qs = qs.filter(created_at__lt=before)
    for n in qs.select_related("author").order_by("-created_at")[:limit]:
        yield TimelineEntry(
            at=n.created_at,
            kind="note",
            title=_("Confidential note") if n.restricted else _("Note"),
            summary=n.body,
            url=reverse("concerns:detail", args=[n.concern_id]) + f"#note-{n.pk}",
            actor=str(n.author or ""),
            badges=(_("Confidential"),) if n.restricted else (),
        )


def contact_entries(household, user, *, before=None, limit=25):
    if not concern_policy.can_see_contacts(user, household):
        return
    qs = Contact.objects.filter(household=household)
    if before is not None:
        qs = qs.filter(at__lt=before)
    for c in qs.select_related("by", "guardian").order_by("-at")[:limit]:
        title = c.get_kind_display()
        if c.guardian_id:
            title = f"{title} — {c.guardian.full_name}"
        yield TimelineEntry(
            at=c.at,
            kind="contact",
            title=title,
            summary=" · ".join(p for p in [c.purpose, c.outcome, c.next_step] if p),
            actor=str(c.by or ""),
            badges=(f"{c.duration_minutes} min",) if c.duration_minutes else (),
            language=c.language,
        )


def register():
    timeline.register("concern", gettext_lazy("Concerns"), concern_entries)
    timeline.register("note", gettext_lazy("Notes"), note_entries)
    timeline.register("contact", gettext_lazy("Contacts"), contact_entries)
