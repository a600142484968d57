"""Texts the system itself writes to families, built in each family's language by the app that owns them.

An app above (events: invitations, reminders) registers a builder by name in its
`AppConfig.ready()` and sends its notice with `context=wording_context(name, ...)`. When the
pipeline renders that message into a language it asks the builder instead of an engine: the
builder words the text from the gettext catalogues under `translation.override(language)` and
puts what staff wrote (an event's title) through `language.fields`. The rendering's method is the
weakest of its parts: a machine-translated title makes the whole text carry the marker.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from liaison.language.rendering import APPROVED, MACHINE, ORIGINAL, UNTRANSLATED

CONTEXT_KEY = "wording"


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str
    method: str = ORIGINAL


Builder = Callable[[str, dict[str, Any]], Wording]

_BUILDERS: dict[str, Builder] = {}


def register_wording(name: str, builder: Builder) -> None:
    _BUILDERS[name] = builder


def wording_context(name: str, **params: Any) -> dict[str, Any]:
    """The message context that asks the pipeline for the wording `name` (params must be JSON)."""
    return {CONTEXT_KEY: name, **params}


def builder_for(context: dict[str, Any] | None) -> Builder | None:
    name = (context or {}).get(CONTEXT_KEY)
    return _BUILDERS.get(name) if isinstance(name, str) else None


def weakest(methods: Iterable[str]) -> str:
    """The method a text made of parts carries: untranslated beats machine beats approved."""
    found = set(methods)
    for method in (UNTRANSLATED, MACHINE, APPROVED):
        if method in found:
            return method
    return ORIGINAL
