"""How a message is put into each recipient's language: the contract between messaging and language.

Messaging calls `render_message` once per message with every language its recipients read, and
stores the answer per language (each language's text is made once, never once per guardian).
The language app decides how: approved translation memory, template translations, a machine
engine with the glossary protected, or, when none can translate into a language, the original
with a short translated note and `needs_follow_up` set so the delivery is flagged for a liaison.

If a configured engine is down, `render_message` raises TranslationDelayed: the caller keeps the
message queued and asks again after `retry_after` seconds; the language app decides when to stop
waiting and fall back to the original (it then returns method "untranslated").
"""

from dataclasses import dataclass

from liaison.core.i18n import base_language

ORIGINAL = "original"  # the recipient reads the language it was written in
APPROVED = "approved"  # human-approved translation (memory or template)
MACHINE = "machine"  # machine translated: families see a marker saying so
UNTRANSLATED = "untranslated"  # no way to translate: original + translated note, flagged


@dataclass(frozen=True)
class Rendering:
    language: str
    subject: str
    body: str
    method: str
    needs_follow_up: bool = False
    note: str = ""  # e.g. the translated "we could not translate this message" note

    @property
    def family_text(self) -> str:
        """The body as a family receives it: the untranslated note above the original, or the
        "machine translated" marker (in the family's language) below a machine translation."""
        if self.method == UNTRANSLATED and self.note:
            return f"{self.note}\n\n{self.body}"
        if self.method == MACHINE and self.note:
            return f"{self.body}\n\n({self.note})"
        return self.body


class TranslationDelayed(Exception):
    def __init__(self, retry_after: int = 60, reason: str = ""):
        super().__init__(reason or "the translation engine is not answering")
        self.retry_after = retry_after


def same_language(a: str, b: str) -> bool:
    return base_language(a or "en") == base_language(b or "en")


def render_message(
    *,
    district,
    subject: str,
    body: str,
    source_language: str,
    target_languages,
    template=None,
    context: dict | None = None,
    hold_untranslated: bool = False,
) -> dict[str, Rendering]:
    """One Rendering per target language. Replaced in full by the language app's pipeline.

    hold_untranslated: a language nothing can translate into is left out of the answer (not sent
    with the "we could not translate" note) until a person approves a translation of the text."""
    from liaison.language import pipeline

    return pipeline.render_message(
        district=district,
        subject=subject,
        body=body,
        source_language=source_language,
        target_languages=target_languages,
        template=template,
        context=context,
        hold_untranslated=hold_untranslated,
    )


def render_worded_messages(*, district, messages) -> list[dict[str, Rendering]]:
    """render_message for many texts the system words itself, recorded in one write:
    `messages` are (subject, body, source_language, context, target_languages) tuples."""
    from liaison.language import pipeline

    return pipeline.render_worded_messages(district=district, messages=messages)


def untranslatable(*, district, subject: str, body: str, source_language: str, languages) -> list:
    """The languages among `languages` that would get the original with a note: no approved
    translation and no engine for them (the composer counts their families before sending)."""
    from liaison.language import pipeline

    previews = pipeline.preview_message(
        district=district,
        subject=subject,
        body=body,
        source_language=source_language,
        target_languages=list(languages),
    )
    return [lang for lang, r in previews.items() if r.method == UNTRANSLATED]
