"""Operations of the language app: corrections and approvals, "I didn't understand", inbound replies,
interpreters, and the coverage report."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone

from liaison.core import policy
from liaison.language import phrases, templating
from liaison.language.choices import MemoryStatus, RequestStatus, TranslationStatus
from liaison.language.detection import detect_language
from liaison.language.models import (
    LanguageSuggestion,
    MessageTemplate,
    TemplateTranslation,
    TranslationMemory,
    UnderstandingReport,
    text_hash,
)
from liaison.language.rendering import (
    APPROVED,
    MACHINE,
    ORIGINAL,
    UNTRANSLATED,
    same_language,
)
from liaison.people.choices import AssignmentRole

__all__ = ["detect_language", "translate_for_staff"]


def district_for(user):
    """The district a staff member works in (their first active membership's)."""
    from liaison.people.models import District

    ids = policy.access_for(user).district_ids
    if ids:
        return District.objects.filter(pk__in=ids).order_by("pk").first()
    if user.is_superuser:
        return District.objects.order_by("pk").first()
    return None


# --- approved translations ------------------------------------------------------------------


def _approval(by) -> dict:
    """What a person's approval sets on a memory row: their word replaces the engine's, and any
    review it waited for is over."""
    return {
        "status": MemoryStatus.APPROVED,
        "engine": "",
        "approved_by": by,
        "approved_at": timezone.now(),
        "needs_review": False,
        "review_reason": "",
        "updated_by": by,
    }


@transaction.atomic
def approve_translation(
    *, district, source_language: str, target_language: str, source_text: str, text: str, by
) -> TranslationMemory:
    """Store a person's translation of exactly this text as approved: it is used from now on."""
    row, _ = TranslationMemory.objects.update_or_create(
        district=district,
        source_language=source_language,
        target_language=target_language,
        source_hash=text_hash(source_text),
        defaults={"source_text": source_text.strip(), "text": text.strip(), **_approval(by)},
    )
    return row


def forget_texts(*, district, texts) -> int:
    """Erase the translation memory's copies of these texts (a family's messages being erased):
    every row, approved or machine, whose source is one of them. Returns how many went."""
    hashes = {text_hash(t) for t in texts if (t or "").strip()}
    if not hashes:
        return 0
    return TranslationMemory.objects.filter(district=district, source_hash__in=hashes).delete()[0]


@transaction.atomic
def approve_memory(*, row: TranslationMemory, text: str, by) -> TranslationMemory:
    """Approve (and possibly reword) a row of the memory under review."""
    row.text = text.strip()
    for field, value in _approval(by).items():
        setattr(row, field, value)
    row.save()
    return row


@transaction.atomic
def correct_rendering(
    *,
    district,
    source_language: str,
    language: str,
    source_subject: str,
    source_body: str,
    subject: str,
    body: str,
    by,
) -> list[TranslationMemory]:
    """A staff correction of one language of a message: subject and body become approved memory."""
    rows = []
    for source, text in ((source_subject, subject), (source_body, body)):
        if source.strip() and text.strip():
            rows.append(
                approve_translation(
                    district=district,
                    source_language=source_language,
                    target_language=language,
                    source_text=source,
                    text=text,
                    by=by,
                )
            )
    return rows


@transaction.atomic
def approve_template_translation(
    *, template, district, language: str, subject: str, body: str, by
) -> TemplateTranslation:
    """A district translator approves a template in one language (who and when are recorded)."""
    row, _ = TemplateTranslation.objects.update_or_create(
        template=template,
        district=district,
        language=language,
        defaults={
            "subject": subject.strip(),
            "body": body.strip(),
            "status": TranslationStatus.APPROVED,
            "approved_by": by,
            "approved_at": timezone.now(),
            "updated_by": by,
        },
    )
    return row


@transaction.atomic
def save_district_template(
    *, district, name: str, body: str, by, template=None, slug_prefix: str = "district"
) -> MessageTemplate:
    """A district's own template (a saved reply staff insert in the composer): made, or its name
    and text changed. Changed text drops the translations of the old text, which no longer say
    the same thing: the district's translators approve the new text's, as for any template."""
    body = body.strip()
    if template is None:
        template = MessageTemplate(
            district=district,
            slug=f"{slug_prefix}-{uuid.uuid4().hex[:12]}",
            source_language=getattr(by, "interface_language", "") or district.default_language,
            created_by=by,
        )
    elif template.body != body:
        TemplateTranslation.objects.filter(template=template).delete()
    template.name = name.strip()[:200]
    template.body = body
    template.subject = template.subject or ""
    template.placeholders = templating.placeholders(body)
    template.updated_by = by
    template.save()
    return template


# --- inbound: detection and staff translation -------------------------------------------------


@dataclass(frozen=True)
class StaffTranslation:
    text: str
    original: str
    source_language: str | None
    language: str
    method: str  # original, approved, machine or untranslated


def translate_for_staff(text: str, source: str | None, target: str, district) -> StaffTranslation:
    """A family's words in the reading staff member's language (User.interface_language).
    Never raises: when nothing can translate, the original comes back with method "untranslated"."""
    from liaison.language.pipeline import DELAYED, preview_message

    source = source or detect_language(text)
    target = target or "en"
    if not source or same_language(source, target) or not (text or "").strip():
        return StaffTranslation(text, text, source, target, ORIGINAL)
    rendering = preview_message(
        district=district,
        subject="",
        body=text,
        source_language=source,
        target_languages=[target],
    )[target]
    method = UNTRANSLATED if rendering.method == DELAYED else rendering.method
    return StaffTranslation(rendering.body, text, source, target, method)


def translate_replies_for_staff(
    messages, target: str, district, *, detected: dict[int, str] | None = None
) -> dict[int, dict]:
    """A thread's family replies in the reader's language, for the conversation page: by message
    pk, {"source", "result", "target"} (only "source" when the reply needs no translation, nothing
    for a blank one). What translate_for_staff answers for each, in a fixed number of queries: the
    detected languages and the memory are read once, the engine asked once per language pair.
    A reply the memory has not seen yet is translated on its own (and remembered), once.
    `detected`: the replies' detected languages by message pk, when the caller read them along with
    the messages (then they are not read again)."""
    from liaison.language.engines import engine_for
    from liaison.language.engines.base import EngineRefused, EngineUnavailable
    from liaison.language.models import ReplyLanguage

    target = target or "en"
    replies = [m for m in messages if m.direction == "in" and (m.body or "").strip()]
    if detected is None:
        detected = dict(
            ReplyLanguage.objects.filter(message_id__in=[m.pk for m in replies]).values_list(
                "message_id", "detected_language"
            )
        )
    out, foreign = {}, []
    for m in replies:
        source = detected.get(m.pk) or m.source_language
        out[m.pk] = {"source": source}
        if source and not same_language(source, target):
            foreign.append((m, source))
    if not foreign:
        return out
    memory = {
        (row.source_language, row.source_hash): row
        for row in TranslationMemory.objects.filter(
            district=district,
            target_language=target,
            source_language__in={source for _, source in foreign},
            source_hash__in={text_hash(m.body) for m, _ in foreign},
        )
    }
    engine, can = None, {}
    for m, source in foreign:
        row = memory.get((source, text_hash(m.body)))
        if row is not None and row.status == MemoryStatus.APPROVED:
            result = StaffTranslation(row.text, m.body, source, target, APPROVED)
        else:
            if source not in can:  # the pipeline asks the engine before using a machine row
                engine = engine or engine_for(district)
                try:
                    can[source] = engine.can_translate(source, target)
                except (EngineRefused, EngineUnavailable):
                    can[source] = False
            if not can[source]:
                result = StaffTranslation(m.body, m.body, source, target, UNTRANSLATED)
            elif row is not None:
                result = StaffTranslation(row.text, m.body, source, target, MACHINE)
            else:
                result = translate_for_staff(m.body, source, target, district)
        if result.method != ORIGINAL:
            out[m.pk] = {"source": source, "result": result, "target": target}
    return out


def stored_staff_translations(messages, target: str) -> dict[int, str]:
    """Family messages in the reader's language where the translation memory already holds them,
    by message pk: for lists (the inbox's previews), in two queries and without asking an engine.
    A message with no stored translation, or already in the reader's language, is left out."""
    from liaison.language.models import ReplyLanguage

    target = target or "en"
    replies = [m for m in messages if m.direction == "in" and (m.body or "").strip()]
    if not replies:
        return {}
    detected = dict(
        ReplyLanguage.objects.filter(message_id__in=[m.pk for m in replies]).values_list(
            "message_id", "detected_language"
        )
    )
    wanted = {}
    for m in replies:
        source = detected.get(m.pk) or m.source_language
        if source and not same_language(source, target):
            wanted[m.pk] = (m.district_id, source, text_hash(m.body))
    if not wanted:
        return {}
    rows = TranslationMemory.objects.filter(
        district_id__in={d for d, _s, _h in wanted.values()},
        target_language=target,
        source_language__in={s for _d, s, _h in wanted.values()},
        source_hash__in={h for _d, _s, h in wanted.values()},
    ).values_list("district_id", "source_language", "source_hash", "text")
    found = {(d, src, h): text for d, src, h, text in rows}
    return {pk: found[key] for pk, key in wanted.items() if key in found}


@transaction.atomic
def note_reply_language(*, guardian, text: str) -> tuple[str | None, LanguageSuggestion | None]:
    """Detect a reply's language; when it is not the guardian's preferred one, suggest a change."""
    tag = detect_language(text)
    if not tag or same_language(tag, guardian.preferred_language):
        return tag, None
    suggestion, _ = LanguageSuggestion.objects.get_or_create(
        guardian=guardian,
        detected_language=tag,
        decided_at=None,
        defaults={"sample": text[:200]},
    )
    return tag, suggestion


@transaction.atomic
def decide_suggestion(*, suggestion: LanguageSuggestion, accept: bool, by) -> LanguageSuggestion:
    suggestion.decided_at = timezone.now()
    suggestion.accepted = accept
    suggestion.updated_by = by
    suggestion.save()
    if accept:
        guardian = suggestion.guardian
        guardian.preferred_language = suggestion.detected_language
        guardian.save(update_fields=["preferred_language"])
    return suggestion


# --- "I didn't understand" ---------------------------------------------------------------------

SALT = "liaison.language.didnt-understand"


def didnt_understand_token(
    *, guardian, language: str, subject: str = "", body: str = "", message_ref: str = ""
) -> str:
    """The token in a family's "I didn't understand" link: who, which language, which text."""
    return signing.dumps(
        {
            "g": guardian.pk,
            "l": language,
            "h": [text_hash(s) for s in (subject, body) if s and s.strip()],
            "m": message_ref,
        },
        salt=SALT,
        compress=True,
    )


def didnt_understand_url(**kwargs) -> str:
    from django.conf import settings
    from django.urls import reverse

    token = didnt_understand_token(**kwargs)
    return settings.PUBLIC_URL + reverse("language:didnt_understand", args=[token])


def read_token(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=SALT, max_age=60 * 60 * 24 * 180)
    except signing.BadSignature:
        return None


@transaction.atomic
def report_not_understood(
    *,
    guardian,
    language: str,
    source_hashes=(),
    message_ref: str = "",
    received_text: str = "",
    channel: str = UnderstandingReport.Channel.LINK,
) -> UnderstandingReport:
    """Flag the translation the family received for review, and ask the liaison to follow up."""
    household = guardian.household
    if source_hashes:
        TranslationMemory.objects.filter(
            district_id=household.district_id,
            target_language=language,
            source_hash__in=list(source_hashes),
        ).update(
            needs_review=True,
            review_reason="A family said they did not understand it.",
            updated_at=timezone.now(),
        )
    open_report = UnderstandingReport.objects.filter(
        guardian=guardian, message_ref=message_ref, resolved_at__isnull=True
    ).first()
    if open_report and message_ref:
        return open_report
    return UnderstandingReport.objects.create(
        district_id=household.district_id,
        household=household,
        guardian=guardian,
        language=language,
        source_hash=",".join(source_hashes)[:64] if source_hashes else "",
        received_text=received_text[:2000],
        message_ref=message_ref[:100],
        channel=channel,
    )


def _fold(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.replace("'", "").replace("’", "").upper().split()).strip(" .!?¡¿")


def is_didnt_understand(text: str) -> bool:
    folded = _fold(text)
    return any(
        folded == _fold(word)
        for words in phrases.DIDNT_UNDERSTAND_KEYWORDS.values()
        for word in words
    )


def handle_sms_reply(*, guardian, text: str, message_ref: str = "") -> UnderstandingReport | None:
    """For messaging's keyword registry: an SMS reply "NO ENTIENDO" (etc.) files a report."""
    if not is_didnt_understand(text):
        return None
    return report_not_understood(
        guardian=guardian,
        language=guardian.preferred_language,
        message_ref=message_ref,
        received_text=text,
        channel=UnderstandingReport.Channel.SMS,
    )


@transaction.atomic
def resolve_report(*, report: UnderstandingReport, resolution: str, by) -> UnderstandingReport:
    report.resolved_at = timezone.now()
    report.resolved_by = by
    report.resolution = resolution
    report.save()
    return report


# --- interpreters ---------------------------------------------------------------------------


@transaction.atomic
def request_interpreter(
    *,
    household,
    language: str,
    mode: str,
    purpose: str,
    starts_at,
    minutes: int = 60,
    location: str = "",
    details: str = "",
    subject=None,
    by,
):
    """Ask for an interpreter for a meeting, an event or a concern (`subject`, any model)."""
    from django.contrib.contenttypes.models import ContentType

    from liaison.language.models import InterpreterRequest

    return InterpreterRequest.objects.create(
        district_id=household.district_id,
        household=household,
        language=language,
        mode=mode,
        purpose=purpose,
        starts_at=starts_at,
        minutes=minutes,
        location=location,
        details=details,
        content_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        object_id=subject.pk if subject is not None else None,
        created_by=by,
        updated_by=by,
    )


@transaction.atomic
def assign_interpreter(*, request, interpreter, by):
    """Give the request to an interpreter; a staff interpreter then sees this household (only)."""
    from liaison.people.services import assign_household

    request.interpreter = interpreter
    request.status = RequestStatus.ASSIGNED
    request.assigned_at = timezone.now()
    request.confirmed_at = None
    request.updated_by = by
    request.save()
    if interpreter.user_id:
        assign_household(
            household=request.household,
            staff=interpreter.user,
            by=by,
            role=AssignmentRole.INTERPRETER,
            note=f"Interpreter request #{request.pk}",
        )
    return request


@transaction.atomic
def confirm_request(*, request, by):
    request.status = RequestStatus.CONFIRMED
    request.confirmed_at = timezone.now()
    request.updated_by = by
    request.save()
    return request


@transaction.atomic
def cancel_request(*, request, by):
    request.status = RequestStatus.CANCELLED
    request.updated_by = by
    request.save()
    return request


def interpreter_candidates(request):
    from liaison.language.models import Interpreter

    qs = Interpreter.objects.active().filter(district_id=request.district_id)
    matching = [i for i in qs if _speaks(i, request.language)]
    return sorted(matching, key=lambda i: (request.mode not in i.modes, i.name))


def _speaks(interpreter, language):
    return any(same_language(t, language) for t in interpreter.languages)


# --- coverage ------------------------------------------------------------------------------

# Deliveries are messaging's, an app above this one: it registers this counter in its
# AppConfig.ready(): fn(district, *, since, until) -> (language, method, count) rows.
_delivery_counts: list[Callable[..., Any]] = []


def register_delivery_counts(fn) -> None:
    _delivery_counts[:] = [fn]


def coverage(district, *, since=None, until=None) -> list[dict]:
    """Per language: how many deliveries went out (sent or delivered) approved, machine
    translated, untranslated (and in the original language). For the coverage page and the
    insights dashboard: `coverage(district, since=..., until=...)` -> list of dicts."""
    table: dict[str, dict] = {}
    rows = (row for fn in _delivery_counts for row in fn(district, since=since, until=until))
    for language, method, n in rows:
        entry = table.setdefault(
            language,
            {"language": language, ORIGINAL: 0, APPROVED: 0, MACHINE: 0, UNTRANSLATED: 0},
        )
        entry[method or ORIGINAL] = entry.get(method or ORIGINAL, 0) + n
    out = []
    for entry in table.values():
        entry["total"] = sum(entry[m] for m in (ORIGINAL, APPROVED, MACHINE, UNTRANSLATED))
        translated = entry["total"] - entry[ORIGINAL]
        entry["approved_share"] = entry[APPROVED] / translated if translated else None
        out.append(entry)
    return sorted(out, key=lambda e: -e["total"])
