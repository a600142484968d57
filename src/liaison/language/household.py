"""What the language app adds to the household page: the "Request an interpreter" action and the
panel of open language reports, suggestions and interpreter requests."""

from django.utils.translation import gettext_lazy as _

from liaison.core import pages, policy, reads
from liaison.core.policy import language as rules
from liaison.language.models import InterpreterRequest, LanguageSuggestion, UnderstandingReport


def household_context(request, household):
    return {
        "language_reports": reads.later(
            UnderstandingReport.objects.filter(
                household=household, resolved_at__isnull=True
            ).select_related("guardian")
        ),
        "language_suggestions": reads.later(
            LanguageSuggestion.objects.filter(
                guardian__household=household, decided_at__isnull=True
            ).select_related("guardian")
        ),
        "interpreter_requests": reads.later(
            InterpreterRequest.objects.filter(household=household)
            .open()
            .select_related("interpreter")
        ),
        "can_edit_language": policy.can_edit_household(request.user, household),
    }


def register() -> None:
    pages.add_action(
        "household",
        _("Request an interpreter"),
        "language:request_new",
        order=40,
        ask=rules.can_request_interpreter,
    )
    pages.add_panel(
        "household",
        "language/_household_panel.html",
        order=40,
        context=household_context,
        ask=policy.full_view,
        tables=("language.Interpreter",),  # who is booked for a request
    )
