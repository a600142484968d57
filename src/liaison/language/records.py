"""The language app's part of a family's record: language reports, suggestions, interpreter
requests."""

from django.utils.translation import gettext_lazy as _

from liaison.core import family_record
from liaison.language.models import InterpreterRequest, LanguageSuggestion, UnderstandingReport


def export_household(household) -> list[dict]:
    out: list[dict[str, object]] = []
    for r in UnderstandingReport.objects.filter(household=household):
        out.append(
            {
                "kind": "didnt_understand",
                "at": r.created_at.isoformat(),
                "language": r.language,
                "channel": r.channel,
                "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
                "resolution": r.resolution,
            }
        )
    for s in LanguageSuggestion.objects.filter(guardian__household=household):
        out.append(
            {
                "kind": "language_suggestion",
                "at": s.created_at.isoformat(),
                "guardian_id": s.guardian_id,
                "detected_language": s.detected_language,
                "accepted": s.accepted,
            }
        )
    for q in InterpreterRequest.objects.filter(household=household).select_related("interpreter"):
        out.append(
            {
                "kind": "interpreter_request",
                "at": q.starts_at.isoformat(),
                "language": q.language,
                "mode": q.mode,
                "purpose": q.purpose,
                "status": q.status,
                "interpreter": q.interpreter.name if q.interpreter else None,
            }
        )
    return out


def erase_household(household, *, keep_tombstone=True) -> int:
    n = UnderstandingReport.objects.filter(household=household).delete()[0]
    n += LanguageSuggestion.objects.filter(guardian__household=household).delete()[0]
    n += InterpreterRequest.objects.filter(household=household).delete()[0]
    return n


def register() -> None:
    family_record.register(
        section="language",
        export=export_household,
        erase=erase_household,
        label=_("Language access"),
    )
