"""What events write to families (invitations, seats, reminders, changes), worded in their language.

The sentences come from the portal's catalogues (context "family", checked complete for the ten
portal languages by tests/portal/test_family_texts.py); the event's title and description, which
staff wrote, go through the translation pipeline (language.fields) and bring its marker with them.
Registered with language.wordings in EventsConfig.ready(): the pipeline asks these builders once
per message and language.
"""

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext, pgettext_lazy

from liaison.events import services
from liaison.events.models import Event, Invitation
from liaison.events.services import INVITATION_WORDING, NOTICE_WORDING
from liaison.language.fields import FieldText, translate_fields
from liaison.language.wordings import Wording, register_wording, weakest

# Short notices: (subject, body), filled with the title, time and place.
NOTICES: dict[str, tuple[Promise, Promise]] = {
    "promoted": (
        pgettext_lazy("family", "A seat is yours: %(title)s"),
        pgettext_lazy(
            "family", "A place opened up and it is yours. %(title)s, %(when)s, %(where)s."
        ),
    ),
    "reminder": (
        pgettext_lazy("family", "Reminder: %(title)s"),
        pgettext_lazy("family", "See you at %(title)s, %(when)s, %(where)s."),
    ),
    "changed": (
        pgettext_lazy("family", "Changed: %(title)s"),
        pgettext_lazy("family", "%(title)s has changed. New time and place: %(when)s, %(where)s."),
    ),
    "cancelled": (
        pgettext_lazy("family", "Cancelled: %(title)s"),
        pgettext_lazy("family", "%(title)s on %(when)s is cancelled. We are sorry."),
    ),
}


# What staff wrote about an event that families read: the place too ("Library, room 204"), which
# a family reading another language would otherwise find in the staff's words.
FIELDS = ("title", "description", "place")


def event_texts(event: Event, language: str) -> dict[str, FieldText]:
    """The event's title, description and place as a reader of `language` sees them."""
    return translate_fields(
        objects=[event],
        fields=FIELDS,
        language=language,
        source_language=event.language,
        district=event.district,
    )[event.pk]


def events_texts(events: list[Event], language: str) -> dict[Any, dict[str, FieldText]]:
    """event_texts for many events, in one query for what is cached."""
    return translate_fields(
        objects=events,
        fields=FIELDS,
        language=language,
        source_language=lambda e: e.language,
        district=lambda e: e.district,
    )


def where_words(event: Event, texts: dict[str, FieldText]) -> str:
    """Where the event is, as the reader's texts have it: the place, else its video link."""
    return texts["place"].text or event.video_url


def invitation_wording(invitation: Invitation, language: str) -> Wording:
    event = invitation.event
    texts = event_texts(event, language)
    title = texts["title"].text
    with translation.override(language):
        subject = pgettext("family", "You are invited: %(title)s") % {"title": title}
        lines = [title, services.when_text(event), where_words(event, texts), ""]
        if texts["description"].text:
            lines += [texts["description"].text, ""]
        offered = []
        if event.interpretation:
            offered.append(pgettext("family", "interpretation"))
        if event.childcare_offered:
            offered.append(pgettext("family", "childcare"))
        if event.transport_offered:
            offered.append(pgettext("family", "transport"))
        if offered:
            lines.append(pgettext("family", "We offer: %(what)s.") % {"what": ", ".join(offered)})
        lines.append(
            pgettext("family", "Answer here: %(url)s") % {"url": services.rsvp_url(invitation)}
        )
        lines.append(
            pgettext(
                "family",
                "Or reply YES, NO or MAYBE with the code %(code)s (for example: YES %(code)s 2).",
            )
            % {"code": event.code}
        )
    return Wording(subject, "\n".join(lines), weakest(t.method for t in texts.values()))


def notice_wording(event: Event, notice: str, language: str) -> Wording:
    subject, body = NOTICES[notice]
    texts = event_texts(event, language)
    with translation.override(language):
        values = {
            "title": texts["title"].text,
            "when": services.when_text(event),
            "where": where_words(event, texts),
        }
        method = weakest(texts[name].method for name in ("title", "place"))
        return Wording(str(subject) % values, str(body) % values, method)


def _build_invitation(language: str, context: dict[str, Any]) -> Wording:
    invitation = Invitation.objects.select_related("event__district", "event__site").get(
        pk=context["invitation"]
    )
    return invitation_wording(invitation, language)


def _build_notice(language: str, context: dict[str, Any]) -> Wording:
    event = Event.objects.select_related("district", "site").get(pk=context["event"])
    return notice_wording(event, str(context["notice"]), language)


def register() -> None:
    register_wording(INVITATION_WORDING, _build_invitation)
    register_wording(NOTICE_WORDING, _build_notice)
