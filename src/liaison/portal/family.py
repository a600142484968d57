"""What a family sees of events, the resource directory and concerns (those apps own the tables).

The portal reads through their services and querysets and writes only through their services.
"""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

# --- events ------------------------------------------------------------------------------------


@dataclass
class FamilyInvitation:
    """An invitation as the family reads it: the event's words in their language when we have them."""

    invitation: Any  # an events Invitation
    title: str
    text: str  # the invitation's words (rendered for the family, links left out)
    translated: bool
    machine: bool
    place: str = ""  # where it is, in the family's language when we have it

    @property
    def event(self):
        return self.invitation.event

    @property
    def pk(self):
        return self.invitation.pk

    @property
    def is_open(self) -> bool:
        event = self.invitation.event
        return not event.is_cancelled and event.ends_at >= timezone.now()


def _family_invitation(invitation, texts) -> FamilyInvitation:
    """The event's words as the reader's language has them: translated through the pipeline
    (approved, else machine with its marker), or the original when nothing can translate."""
    title, description, place = texts["title"], texts["description"], texts["place"]
    return FamilyInvitation(
        invitation,
        title.text,
        description.text,
        title.translated,
        title.machine or description.machine or place.machine,
        place.text,
    )


def upcoming_invitations(guardian, *, limit=None, language=None) -> list[FamilyInvitation]:
    from liaison.events import services as events
    from liaison.events.wording import events_texts

    invitations = events.open_invitations(guardian.household)
    if limit:
        invitations = invitations[:limit]
    invitations = list(invitations)
    texts = events_texts(
        [i.event for i in invitations], language or translation.get_language() or "en"
    )
    return [_family_invitation(i, texts[i.event_id]) for i in invitations]


def household_invitation(guardian, pk, *, language=None) -> FamilyInvitation | None:
    """One invitation of the guardian's household (past or cancelled too), or None."""
    from liaison.events.models import Invitation
    from liaison.events.wording import event_texts

    invitation = (
        Invitation.objects.filter(household_id=guardian.household_id, pk=pk)
        .select_related("event__site", "event__district")
        .first()
    )
    if invitation is None:
        return None
    texts = event_texts(invitation.event, language or translation.get_language() or "en")
    return _family_invitation(invitation, texts)


# --- concerns ----------------------------------------------------------------------------------

STATUS_WORDS = {
    "new": _("Received"),
    "assigned": _("Your liaison is working on it"),
    "in_progress": _("Your liaison is working on it"),
    "waiting_school": _("Your liaison is working on it"),
    "waiting_family": _("Waiting for your answer"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
}


def categories_words(categories, *, language=None) -> dict[int, str]:
    """{category pk: what it is called in the family's words} (concerns.services.
    family_category_words: the standard ones from the catalogues, a district's own translated)."""
    from liaison.concerns.services import family_category_words

    language = language or translation.get_language() or "en"
    return {pk: text.text for pk, text in family_category_words(categories, language).items()}


def category_words(category, *, language=None) -> str:
    return categories_words([category], language=language)[category.pk]


def concern_categories(district) -> list[tuple[str, str]]:
    """The district's categories in use, as (code, the family's words)."""
    from liaison.concerns.choices import DEFAULT_CATEGORIES, FAMILY_CATEGORY_WORDS
    from liaison.concerns.models import ConcernCategory

    rows = list(
        ConcernCategory.objects.filter(district=district, is_active=True).select_related("district")
    )
    if not rows:  # raise_concern gives the district the standard list on first use
        return [(code, str(FAMILY_CATEGORY_WORDS[code])) for code, _label in DEFAULT_CATEGORIES]
    words = categories_words(rows)
    return [(c.code, words[c.pk]) for c in rows]


def family_concerns(guardian, *, open_only=False):
    """Concerns this guardian brought to the school (not referrals staff made about the family)."""
    from liaison.concerns.choices import OPEN_STATUSES, Source
    from liaison.concerns.models import Concern

    qs = (
        Concern.objects.filter(household_id=guardian.household_id, guardian=guardian)
        .exclude(source__in=[Source.TEACHER, Source.STAFF])
        .select_related("category__district")
        .order_by("-created_at")
    )
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    return qs


def status_words(concern) -> str:
    return str(STATUS_WORDS.get(concern.status, concern.get_status_display()))


def concern_staff(guardian) -> list:
    """The staff this family may say a concern is about: their children's teachers, the leaders of
    their schools, their liaison."""
    from liaison.concerns import services as concerns

    return concerns.staff_the_family_knows(guardian.household)


def raise_concern(
    *,
    guardian,
    category: str,
    description: str,
    contact_preference: str,
    students=(),
    subject_staff=None,
):
    from liaison.concerns import services as concerns
    from liaison.concerns.choices import Source

    return concerns.raise_concern(
        household=guardian.household,
        guardian=guardian,
        category=category,
        description=description,
        source=Source.PORTAL,
        contact_preference=contact_preference,
        students=students,
        subject_staff=subject_staff,
    )


# --- finding help ------------------------------------------------------------------------------


@dataclass
class Place:
    """A directory result with only what a family needs (never the liaisons' own notes)."""

    name: str
    address: str
    phone: str
    phone_e164: str
    hours: list
    languages: list
    open_now: bool | None
    miles: float | None


def language_words(code: str, language: str) -> str:
    from liaison.core.validators import language_name

    return language_name(code, language) or code


def find_help(guardian, *, text: str, language: str, limit: int = 10) -> list[Place]:
    from liaison.resources import services as resources

    results = resources.search_for_family(
        household=guardian.household, text=text, language=language, limit=limit
    )
    return [
        Place(
            name=r.service.name,
            address=r.address,
            phone=r.phone.display if r.phone else "",
            phone_e164=r.phone.e164 if r.phone else "",
            hours=r.hours,
            languages=[language_words(code, language) for code in r.languages],
            open_now=r.open_now,
            miles=r.distance_miles,
        )
        for r in results
    ]
