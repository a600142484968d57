"""What the language app adds to the household page and to a family's exported record."""

from liaison.core import policy
from liaison.language.models import InterpreterRequest, LanguageSuggestion, UnderstandingReport


def panel_allowed(user, household) -> bool:
    return policy.full_view(user, household)


def household_context(request, household):
    return {
        "language_reports": UnderstandingReport.objects.filter(
            household=household, resolved_at__isnull=True
        ).select_related("guardian"),
        "language_suggestions": LanguageSuggestion.objects.filter(
            guardian__household=household, decided_at__isnull=True
        ).select_related("guardian"),
        "interpreter_requests": InterpreterRequest.objects.filter(household=household)
        .open()
        .select_related("interpreter"),
        "can_edit_language": policy.can_edit_household(request.user, household),
    }


def export_household(household) -> list[dict]:
    out = []
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
