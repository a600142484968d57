"""The translation pipeline behind `rendering.render_message`.

Per target language, in order: (a) an approved translation of exactly this text from the
translation memory; (b) the message template's translation (approved by the district, or a
shipped draft, which counts as machine translation); (c) the district's machine engine, with
names, dates, times, links and glossary terms protected, its answers cached in the memory;
(d) the original with a short note in the family's language, flagged for a liaison's follow-up.
Each language is rendered once per message, however many recipients read it.
"""

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from liaison.core.db import insert_rows
from liaison.core.i18n import base_language
from liaison.language import glossary, phrases, templating, wordings
from liaison.language.choices import MemoryStatus, TranslationStatus
from liaison.language.engines import EngineRefused, EngineUnavailable, engine_for, max_wait_seconds
from liaison.language.models import (
    EngineWait,
    GlossaryTerm,
    MessageTemplate,
    RenderRecord,
    TemplateTranslation,
    TranslationMemory,
    text_hash,
)
from liaison.language.rendering import (
    APPROVED,
    MACHINE,
    ORIGINAL,
    UNTRANSLATED,
    Rendering,
    TranslationDelayed,
    same_language,
)

log = logging.getLogger(__name__)

DELAYED = "delayed"  # previews only: the engine is not answering yet


def render_message(
    *,
    district,
    subject,
    body,
    source_language,
    target_languages,
    template=None,
    context=None,
    hold_untranslated=False,
):
    """One Rendering per target language, recorded for the coverage report. See rendering.py.
    With hold_untranslated, a language nothing can translate into is left out (and not recorded)."""
    message = (district, subject, body, source_language, target_languages, template, context)
    return _Render(*message).run(preview=False, hold=hold_untranslated)


def render_worded_messages(*, district, messages) -> list[dict[str, Rendering]]:
    """Many messages the system words itself (a wording context: wordings.py), each into its own
    languages, recorded for the coverage report in one write. `messages`: (subject, body,
    source_language, context, target_languages) tuples; the answer is in the same order.

    The bulk path of render_message for notices written by the hundred (a day's attendance
    nudges): a worded text needs no engine and no memory, so nothing waits and nothing is held."""
    renders = [_Render(district, s, b, src, langs, None, ctx) for s, b, src, ctx, langs in messages]
    if any(wordings.builder_for(r.context) is None for r in renders):
        raise ValueError("render_worded_messages takes only texts with a registered wording")
    answers = [r.word() for r in renders]
    if district is not None:
        now = timezone.now()
        insert_rows(
            RenderRecord,
            [
                "district_id",
                "language",
                "method",
                "needs_follow_up",
                "recipients",
                "source_hash",
                "created_at",
            ],
            [
                (
                    district.pk,
                    rendering.language,
                    rendering.method,
                    rendering.needs_follow_up,
                    render.recipients[rendering.language],
                    render.key,
                    now,
                )
                for render, out in zip(renders, answers, strict=True)
                for rendering in out.values()
            ],
        )
    return answers


def preview_message(
    *,
    district: Any,
    subject: str,
    body: str,
    source_language: str,
    target_languages: Iterable[str],
    template: Any = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Rendering]:
    """What each language would get, for staff to check before sending. Records nothing and never
    waits: a language whose engine is not answering comes back with method "delayed"."""
    message = (district, subject, body, source_language, target_languages, template, context)
    return _Render(*message).run(preview=True)


def resolve_template(template, district=None):
    if template is None or isinstance(template, MessageTemplate):
        return template
    qs = MessageTemplate.objects.all()
    if isinstance(template, int):
        return qs.filter(pk=template).first()
    own = qs.filter(district=district, slug=template).first() if district else None
    return own or qs.filter(district__isnull=True, slug=template).first()


def template_translation(template, district, language):
    """The district's own (approved) translation, else the shipped draft; None when neither."""
    rows = TemplateTranslation.objects.filter(template=template, language__iexact=language)
    candidates = list(rows.filter(district=district)) + list(rows.filter(district__isnull=True))
    if not candidates:
        base = base_language(language)
        rows = TemplateTranslation.objects.filter(template=template, language__iexact=base)
        candidates = list(rows.filter(district=district)) + list(rows.filter(district__isnull=True))
    return candidates[0] if candidates else None


def protected_terms(district, context=None) -> list[str]:
    """The district's glossary, its site names, and the names and places this message carries."""
    from liaison.people.models import Site

    terms = list(GlossaryTerm.objects.filter(district=district).values_list("term", flat=True))
    terms += list(Site.objects.filter(district=district).values_list("name", flat=True))
    for value in (context or {}).values():
        if isinstance(value, str) and 1 < len(value) <= 120:
            terms.append(value)
    return terms


def fixed_wordings(district, language) -> dict[str, str]:
    out = {}
    base = base_language(language)
    for term, translations in GlossaryTerm.objects.filter(district=district).values_list(
        "term", "translations"
    ):
        wording = (translations or {}).get(language) or (translations or {}).get(base)
        if wording:
            out[term] = wording
    return out


class _Render:
    def __init__(
        self, district, subject, body, source_language, target_languages, template, context
    ):
        self.district = district
        self.source = source_language or "en"
        self.context = dict(context or {})
        self.template = resolve_template(template, district)
        if self.template is not None and not (subject or body):
            subject = templating.fill(self.template.subject, self.context, self.source)
            body = templating.fill(self.template.body, self.context, self.source)
        self.subject = subject or ""
        self.body = body or ""
        self.recipients = Counter(t for t in target_languages if t)
        self.key = text_hash(f"{self.subject}\n\n{self.body}")
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = engine_for(self.district)
        return self._engine

    def run(self, *, preview: bool, hold: bool = False) -> dict[str, Rendering]:
        languages = list(self.recipients)
        foreign = [lang for lang in languages if not same_language(lang, self.source)]
        builder = wordings.builder_for(self.context)
        self.memory = {} if builder else self._memory(foreign)
        out: dict[str, Rendering] = {}
        delayed: list[tuple[str, str]] = []
        for language in languages:
            if builder is not None:
                rendering = self._worded(builder, language)
            elif not same_language(language, self.source):
                rendering = self._approved(language) or self._from_template(language)
                if rendering is None:
                    try:
                        rendering = self._machine(language)
                    except EngineUnavailable as exc:
                        if preview:
                            rendering = Rendering(
                                language, self.subject, self.body, DELAYED, note=str(exc)
                            )
                        elif self._waited_long_enough(language, str(exc)):
                            rendering = self._untranslated(language)
                        else:
                            delayed.append((language, str(exc)))
                            continue
            else:
                rendering = Rendering(language, self.subject, self.body, ORIGINAL)
            if hold and rendering.method == UNTRANSLATED:
                continue  # waits for a person's translation (rendering.render_message)
            out[language] = rendering
        if delayed:
            raise TranslationDelayed(
                retry_after=settings.LIAISON_TRANSLATION_RETRY,
                reason=f"waiting for the translation engine ({', '.join(d[0] for d in delayed)}): "
                f"{delayed[0][1]}",
            )
        if not preview and self.district is not None:
            EngineWait.objects.filter(district=self.district, source_hash=self.key).delete()
            RenderRecord.objects.bulk_create(
                [
                    RenderRecord(
                        district=self.district,
                        language=r.language,
                        method=r.method,
                        needs_follow_up=r.needs_follow_up,
                        recipients=self.recipients[r.language],
                        source_hash=self.key,
                    )
                    for r in out.values()
                ]
            )
        return out

    # -- a text the system words itself (wordings.py) -----------------------------------------
    def word(self) -> dict[str, Rendering]:
        """Every language of a worded text, written nowhere (render_worded_messages records them)."""
        builder = wordings.builder_for(self.context)
        return {language: self._worded(builder, language) for language in self.recipients}

    def _worded(self, builder, language):
        wording = builder(language, self.context)
        note = ""
        if wording.method == MACHINE:
            note = phrases.phrase(phrases.MACHINE_MARKER, language)
        elif wording.method == UNTRANSLATED:
            note = phrases.phrase(phrases.UNTRANSLATED_NOTE, language)
        return Rendering(
            language,
            wording.subject,
            wording.body,
            wording.method,
            needs_follow_up=wording.method == UNTRANSLATED,
            note=note,
        )

    # -- (a) the translation memory -----------------------------------------------------------
    def _segments(self) -> list[str]:
        return [s for s in (self.subject, self.body) if s.strip()]

    def _memory(self, languages) -> dict[tuple[str, str], TranslationMemory]:
        if not languages or self.district is None:
            return {}
        hashes = [text_hash(s) for s in self._segments()]
        rows = TranslationMemory.objects.filter(
            district=self.district,
            source_language=self.source,
            target_language__in=languages,
            source_hash__in=hashes,
        )
        return {(r.target_language, r.source_hash): r for r in rows}

    def _lookup(self, language, text):
        if not text.strip():
            return None
        return self.memory.get((language, text_hash(text)))

    def _approved(self, language):
        rows = [self._lookup(language, s) for s in self._segments()]
        if rows and all(r is not None and r.status == MemoryStatus.APPROVED for r in rows):
            return self._from_rows(language, APPROVED)
        return None

    def _from_rows(self, language, method):
        subject = self._lookup(language, self.subject)
        body = self._lookup(language, self.body)
        return Rendering(
            language,
            subject.text if subject else self.subject,
            body.text if body else self.body,
            method,
            note=phrases.phrase(phrases.MACHINE_MARKER, language) if method == MACHINE else "",
        )

    # -- (b) the template library ---------------------------------------------------------------
    def _from_template(self, language):
        if self.template is None:
            return None
        translation = template_translation(self.template, self.district, language)
        if translation is None:
            return None
        approved = translation.status == TranslationStatus.APPROVED
        method = APPROVED if approved else MACHINE
        return Rendering(
            language,
            templating.fill(translation.subject, self.context, language),
            templating.fill(translation.body, self.context, language),
            method,
            note="" if approved else phrases.phrase(phrases.MACHINE_MARKER, language),
        )

    # -- (c) the machine engine -------------------------------------------------------------
    def _machine(self, language):
        engine = self.engine
        try:
            if not engine.can_translate(self.source, language):
                return self._untranslated(language)
        except EngineRefused:
            return self._untranslated(language)
        missing = [s for s in self._segments() if self._lookup(language, s) is None]
        if missing:
            terms = protected_terms(self.district, self.context)
            guarded = [glossary.protect(s, terms) for s in missing]
            try:
                answers = engine.translate(
                    [g.text for g in guarded], source=self.source, target=language
                )
            except EngineRefused as exc:
                log.warning("engine refused %s→%s: %s", self.source, language, exc)
                return self._untranslated(language)
            fixed = fixed_wordings(self.district, language)
            for source, guard, answer in zip(missing, guarded, answers, strict=True):
                text = glossary.restore(answer, guard, fixed)
                self.memory[(language, text_hash(source))] = self._cache(
                    language, source, text, engine.kind
                )
        return self._from_rows(language, MACHINE)

    def _cache(self, language, source, text, kind):
        if self.district is None:
            return TranslationMemory(text=text, status=MemoryStatus.MACHINE)
        try:
            with transaction.atomic():
                row, _ = TranslationMemory.objects.get_or_create(
                    district=self.district,
                    source_language=self.source,
                    target_language=language,
                    source_hash=text_hash(source),
                    defaults={
                        "source_text": source.strip(),
                        "text": text,
                        "status": MemoryStatus.MACHINE,
                        "engine": kind,
                    },
                )
        except IntegrityError:  # another worker cached it first
            row = TranslationMemory.objects.get(
                district=self.district,
                source_language=self.source,
                target_language=language,
                source_hash=text_hash(source),
            )
        return row

    def _waited_long_enough(self, language, error) -> bool:
        if self.district is None:
            return True
        wait, created = EngineWait.objects.get_or_create(
            district=self.district,
            target_language=language,
            source_hash=self.key,
            defaults={"last_error": error[:300]},
        )
        if created:
            return max_wait_seconds(self.district) <= 0
        if (timezone.now() - wait.first_failed_at).total_seconds() >= max_wait_seconds(
            self.district
        ):
            return True
        EngineWait.objects.filter(pk=wait.pk).update(
            attempts=wait.attempts + 1, last_error=error[:300]
        )
        return False

    # -- (d) nothing can translate into this language ---------------------------------------
    def _untranslated(self, language):
        return Rendering(
            language,
            self.subject,
            self.body,
            UNTRANSLATED,
            needs_follow_up=True,
            note=phrases.phrase(phrases.UNTRANSLATED_NOTE, language),
        )


def personalize(text: str, *, language: str, context: dict, tz=None) -> str:
    """Fill one family's placeholders ({guardian_name}, {student_name} ...) in a rendered text."""
    return templating.fill(text, context, language, tz)
