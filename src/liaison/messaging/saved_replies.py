"""Saved replies in the composer: their placeholders filled for one household, and what a sent
message keeps of the reply it came from (so each family gets the reply's approved translation).

The replies' text lives in language's district templates (see SavedReply); the pipeline renders a
message that names its template from that template's translation in each language.
"""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from liaison.core import reads
from liaison.core.policy import messaging as mpolicy
from liaison.language.pipeline import personalize
from liaison.messaging.models import SavedReply
from liaison.people.models import Enrolment

# The placeholders a saved reply may use, and what each becomes.
PLACEHOLDERS = {
    "guardian_name": _("the name of the family's first guardian"),
    "school": _("the family's school"),
    "liaison_name": _("your name"),
}


def context_for(household: Any, by: Any) -> dict[str, str]:
    """The placeholders' values for this household, written by `by` (at most two queries:
    its guardians unless prefetched, and a child's school when the family has no home site)."""
    # From the household's guardians: no query where the page has read them already.
    reachable = [g for g in household.guardians.all() if g.is_active and not g.contact_restricted]
    guardian = min(reachable, key=lambda g: (g.family_name, g.given_name, g.pk), default=None)
    site = household.site
    if site is None:
        enrolment = (
            Enrolment.objects.filter(student__household=household, is_active=True)
            .select_related("site")
            .order_by("pk")
            .first()
        )
        site = enrolment.site if enrolment else None
    return {
        "guardian_name": guardian.full_name if guardian else "",
        "school": site.name if site else "",
        "liaison_name": (by.get_full_name() or by.username) if by else "",
    }


def active_for(district_id: int) -> Any:
    return (
        SavedReply.objects.filter(district_id=district_id, is_active=True)
        .select_related("template")
        .order_by("template__name")
    )


def fill(reply: SavedReply, context: dict[str, str]) -> str:
    template = reply.template
    return personalize(template.body, language=template.source_language, context=context)


def for_composer(household: Any, user: Any) -> Sequence[dict[str, Any]]:
    """The district's saved replies, filled for this household: [{id, name, text}], read with the
    page's other reads (core/reads.py) and filled when first used."""
    if not mpolicy.can_use_saved_replies(user):
        return []

    def filled(replies: list[SavedReply]) -> list[dict[str, Any]]:
        if not replies:
            return []
        context = context_for(household, user)
        return [{"id": r.pk, "name": r.template.name, "text": fill(r, context)} for r in replies]

    return reads.later(active_for(household.district_id), filled)


def as_sent(reply_id: int | None, *, household: Any, by: Any, body: str) -> dict[str, Any]:
    """What send_message keeps of the saved reply a message came from: its template and context,
    when the text sent is the reply as filled (edited text is the writer's own: it goes through
    the translation pipeline like any message)."""
    if not reply_id:
        return {}
    reply = active_for(household.district_id).filter(pk=reply_id).first()
    if reply is None:
        return {}
    context = context_for(household, by)
    if " ".join(fill(reply, context).split()) != " ".join(body.split()):
        return {}
    return {"template": reply.template.slug, "context": context}
