"""What staff wrote that families read (event titles, descriptions, news), in the family's language.

A field goes through the same pipeline as a message (approved translation memory, then the
district's engine, else the original flagged for a human) and the answer is kept per object,
field and language in FieldTranslation, with the source text's hash: an edit translates again.
An engine that is not answering leaves the original in place, uncached, so the next view asks again.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from liaison.language import phrases
from liaison.language.choices import MemoryStatus
from liaison.language.models import FieldTranslation, TranslationMemory, text_hash
from liaison.language.pipeline import preview_message
from liaison.language.rendering import APPROVED, MACHINE, ORIGINAL, UNTRANSLATED, same_language


@dataclass(frozen=True)
class FieldText:
    """One field as a family reads it."""

    text: str
    method: str
    language: str  # the language `text` is in

    @property
    def translated(self) -> bool:
        return self.method in (APPROVED, MACHINE)

    @property
    def machine(self) -> bool:
        return self.method == MACHINE

    @property
    def needs_follow_up(self) -> bool:
        return self.method == UNTRANSLATED

    @property
    def marker(self) -> str:
        """The machine-translation marker in the reader's language ("" when not machine made)."""
        return phrases.phrase(phrases.MACHINE_MARKER, self.language) if self.machine else ""


def object_type(obj: Any) -> str:
    meta = obj._meta
    return f"{meta.app_label}.{meta.model_name}"


def translate_fields(
    *,
    objects: Sequence[Any],
    fields: Iterable[str],
    language: str,
    source_language: Any = "en",
    district: Any = None,
) -> dict[Any, dict[str, FieldText]]:
    """{object pk: {field: FieldText}} for objects of one model, in `language`.

    source_language and district are values or callables of the object (an event's own language
    and district). One query reads what is cached; the pipeline runs only for what is not.
    """
    fields = list(fields)
    out: dict[Any, dict[str, FieldText]] = {}
    if not objects:
        return out
    kind = object_type(objects[0])
    cached = {
        (row.object_id, row.field): row
        for row in FieldTranslation.objects.filter(
            object_type=kind,
            object_id__in=[str(o.pk) for o in objects],
            field__in=fields,
            language=language,
        )
    }
    # A person's approved translation wins over a cached machine one, even one cached before it.
    approved: dict[tuple[Any, str, str], str] = {
        (row.district_id, row.source_language, row.source_hash): row.text
        for row in TranslationMemory.objects.filter(
            status=MemoryStatus.APPROVED,
            target_language=language,
            source_hash__in={text_hash(str(getattr(o, n) or "")) for o in objects for n in fields},
        )
    }
    for obj in objects:
        source = source_language(obj) if callable(source_language) else source_language
        owner = district(obj) if callable(district) else district
        texts: dict[str, FieldText] = {}
        for name in fields:
            value = str(getattr(obj, name) or "")
            if not value.strip() or same_language(source or "en", language):
                texts[name] = FieldText(value, ORIGINAL, source or "en")
                continue
            row = cached.get((str(obj.pk), name))
            human = approved.get((getattr(owner, "pk", None), source, text_hash(value)))
            if human is not None:
                texts[name] = FieldText(human, APPROVED, language)
            elif row is not None and _fresh(row, value):
                texts[name] = _answer(row.text, row.method, language, value, source)
            else:
                texts[name] = _translate(obj, kind, name, value, source, language, owner)
        out[obj.pk] = texts
    return out


# "Nothing could translate it" is kept for a while (a page shown again asks nothing), then asked
# again: the district may have set up an engine or approved a translation since.
UNTRANSLATED_KEPT = dt.timedelta(hours=1)


def _fresh(row: FieldTranslation, value: str) -> bool:
    if row.source_hash != text_hash(value):
        return False  # the field was edited: translate the new text
    return row.method != UNTRANSLATED or row.updated_at > timezone.now() - UNTRANSLATED_KEPT


def translate_object(
    obj: Any, fields: Iterable[str], language: str, *, source_language: str, district: Any
) -> dict[str, FieldText]:
    """translate_fields for one object."""
    return translate_fields(
        objects=[obj],
        fields=fields,
        language=language,
        source_language=source_language,
        district=district,
    )[obj.pk]


def _answer(text: str, method: str, language: str, original: str, source: str) -> FieldText:
    if method in (APPROVED, MACHINE):
        return FieldText(text, method, language)
    return FieldText(original, method, source)  # untranslated: the original, in its language


def _translate(
    obj: Any, kind: str, name: str, value: str, source: str, language: str, district: Any
) -> FieldText:
    rendering = preview_message(
        district=district,
        subject="",
        body=value,
        source_language=source,
        target_languages=[language],
    )[language]
    if rendering.method not in (APPROVED, MACHINE, UNTRANSLATED):
        # The engine is not answering ("delayed"): show the original now, ask again next time.
        return FieldText(value, UNTRANSLATED, source)
    if district is not None:
        values = {
            "district": district,
            "source_language": source,
            "source_hash": text_hash(value),
            "text": rendering.body,
            "method": rendering.method,
            "updated_at": timezone.now(),
        }
        try:
            with transaction.atomic():
                FieldTranslation.objects.update_or_create(
                    object_type=kind,
                    object_id=str(obj.pk),
                    field=name,
                    language=language,
                    defaults=values,
                )
        except IntegrityError:  # another request cached it first: theirs is as good
            pass
    return _answer(rendering.body, rendering.method, language, value, source)


def forget_object(obj: Any) -> int:
    """Drop an object's cached translations (it is deleted or erased)."""
    deleted, _ = FieldTranslation.objects.filter(
        object_type=object_type(obj), object_id=str(obj.pk)
    ).delete()
    return deleted


def translate_text(text: str, language: str, *, source_language: str, district: Any) -> FieldText:
    """A text staff wrote for one message (a meeting's agreements) in `language`, through the same
    pipeline: a person's approved memory, else the engine (its answer kept in the memory), else
    the original flagged."""
    if not text.strip() or same_language(source_language or "en", language):
        return FieldText(text, ORIGINAL, source_language or "en")
    rendering = preview_message(
        district=district,
        subject="",
        body=text,
        source_language=source_language,
        target_languages=[language],
    )[language]
    if rendering.method not in (APPROVED, MACHINE):
        return FieldText(text, UNTRANSLATED, source_language)
    return FieldText(rendering.body, rendering.method, language)
