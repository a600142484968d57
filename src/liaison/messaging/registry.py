"""Extension points other apps plug into (in their AppConfig.ready()): keywords, audiences, portal links."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from liaison.core import kept

_keyword_handlers: list[Callable] = []
_audience_sources: dict[str, "AudienceSource"] = {}
_portal_link_builder: list[Callable | None] = [None]
_family_choices: list[tuple[Callable, Callable] | None] = [None]
_message_actions: list[Callable] = []
_message_filters: list[Callable] = []
_call_log_link: list[Callable | None] = [None]

# The thread page is kept for its reader per household (core/kept.py; messaging.views): the tables
# it reads that belong to no family (staff, the district's saved replies and their templates, the
# translation memory and settings its replies are translated with, opt-outs kept by address), and
# those the hooks below read (`tables=`). Rows of the family's own need no naming.
THREAD_TABLES = kept.group(
    "thread-page",
    [
        "people.District",
        "people.Site",
        "people.User",
        "people.Membership",
        "messaging.Suppression",
        "messaging.SavedReply",
        "language.MessageTemplate",
        "language.TemplateTranslation",
        "language.TranslationMemory",
        "language.GlossaryTerm",
        "language.DistrictLanguageSettings",
        "language.EngineWait",
    ],
)


def add_thread_tables(tables: Iterable[str]) -> None:
    """Tables a hook shown on the thread page reads that belong to no household."""
    kept.group("thread-page", tables)


@dataclass(frozen=True)
class AudienceSource:
    name: str
    label: str
    fn: Callable  # fn(*, district, user, param) -> Guardian queryset or iterable of guardian ids


def register_keyword_handler(fn: Callable) -> None:
    """fn(guardian, text, message) -> bool, called for every inbound SMS that is not STOP/START/HELP.

    Return True when the text was yours (an RSVP "YES 2", "I didn't understand"): the message stays
    in the household's thread but does not wait for a staff reply. Handlers run in registration order
    and the first True wins.
    """
    if fn not in _keyword_handlers:
        _keyword_handlers.append(fn)


def keyword_handlers() -> list[Callable]:
    return list(_keyword_handlers)


def register_message_actions(fn: Callable, *, tables: Iterable[str] = ()) -> None:
    """fn(user, conversation, messages) -> {message_id: [(label, url), ...]}: links shown beside a
    family's message on the staff thread page ("Make this a concern"). An action that does
    something at once is (label, url, "post"): a button posting to `url` (one tap, CSRF-checked).

    Called once per render of the thread with the family's messages on it: ask the policy and the
    database once for them all, not once per message. `tables`: what it reads that belongs to no
    household (see THREAD_TABLES).
    """
    add_thread_tables(tables)
    if fn not in _message_actions:
        _message_actions.append(fn)


def message_actions(user, conversation, messages) -> dict[int, list[tuple[str, ...]]]:
    out: dict[int, list[tuple[str, ...]]] = {}
    if not messages:
        return out
    for fn in _message_actions:
        for message_id, actions in fn(user, conversation, messages).items():
            out.setdefault(message_id, []).extend(actions)
    return out


def register_message_filter(fn: Callable, *, tables: Iterable[str] = ()) -> None:
    """fn(user, household) -> Q on Message, or None: the household's messages this person may not
    read on staff pages (the concerns app hides the notices about a concern kept from them).

    Called once per page for the household, never per message. `tables`: what it reads that
    belongs to no household (see THREAD_TABLES).
    """
    add_thread_tables(tables)
    if fn not in _message_filters:
        _message_filters.append(fn)


def readable_messages(user, household):
    """A Q on Message leaving out what any registered filter hides from this person."""
    from django.db.models import Q

    q = Q()
    for fn in _message_filters:
        hidden = fn(user, household)
        if hidden is not None:
            q &= ~hidden
    return q


def register_audience_source(name: str, label, fn: Callable) -> None:
    """Add a named audience ("invitees of event X", "this unreached list") to the announcement builder.

    fn(*, district, user, param) returns a Guardian queryset (preferred) or an iterable of guardian
    ids; `param` is the string the source was chosen with (e.g. the event's id). The builder still
    applies the district, the sender's scope and every consent rule on top.
    """
    _audience_sources[name] = AudienceSource(name, label, fn)


def audience_sources() -> dict[str, AudienceSource]:
    return dict(_audience_sources)


def set_portal_link_builder(fn: Callable | None) -> None:
    """fn(guardian_ids, purpose, obj) -> {guardian_id: url}: signed sign-in links put into outgoing
    messages, for many guardians at once (a worker asks once per message in a batch of texts).

    `purpose` is "conversation", "notice" or "announcement"; `obj` is the Message. Guardians left
    out get no link. Called when the text is handed to a channel (never stored), so links are fresh.
    """
    _portal_link_builder[0] = fn


def portal_links(guardian_ids, purpose: str, obj) -> dict[int, str]:
    fn = _portal_link_builder[0]
    if fn is None or not guardian_ids:
        return {}
    try:
        return fn(guardian_ids, purpose, obj) or {}
    except Exception:  # a broken link builder must not stop a delivery
        import logging

        logging.getLogger(__name__).exception("portal link builder failed")
        return {}


def set_family_choices(choices: Callable | None, accepts: Callable | None = None) -> None:
    """Let guardians' own choices (the portal keeps them) hold at hand-over time.

    choices(guardian_ids) -> {guardian_id: choice} (no entry: send as usual); a choice may carry
    quiet_hours_start/quiet_hours_end (datetime.time, both or neither) that hold texts like the
    district's quiet hours. accepts(choice, kind=, notice_kind=) -> bool says whether the guardian
    wants this kind of message at all.
    """
    _family_choices[0] = (choices, accepts) if choices is not None else None


def family_choices(guardian_ids) -> dict:
    hooks = _family_choices[0]
    if hooks is None or not guardian_ids:
        return {}
    return hooks[0](list(guardian_ids))


def family_accepts(choice, *, kind: str, notice_kind: str = "") -> bool:
    hooks = _family_choices[0]
    if hooks is None or choice is None or hooks[1] is None:
        return True
    return hooks[1](choice, kind=kind, notice_kind=notice_kind)


def set_call_log_link(fn: Callable) -> None:
    """fn(user, guardian) -> URL or None: where logging a call with this guardian starts (the
    contact log's form, prefilled), offered beside the "Call" of the thread page. Filled by the
    app that keeps the contact log (concerns); None when this person may not log one."""
    _call_log_link[0] = fn


def call_log_link(user, guardian) -> str | None:
    fn = _call_log_link[0]
    return fn(user, guardian) if fn is not None else None
