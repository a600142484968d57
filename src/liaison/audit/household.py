"""What the audit app adds to the household and student pages: the "Family's record" action and
the disclosure record."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from liaison.audit.models import Disclosure
from liaison.core import pages, reads
from liaison.core.policy import audit as audit_policy
from liaison.core.policy import full_view
from liaison.people.models import Household, Student


def disclosures_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    return {
        # The panel shows each disclosure's own columns (not its students).
        "disclosures": reads.later(Disclosure.objects.for_household(household.pk)[:20])
    }


def student_disclosures_context(request: HttpRequest, student: Student) -> dict[str, Any]:
    return {"disclosures": list(Disclosure.objects.for_student(student.pk)[:20])}


def register() -> None:
    pages.add_action(
        "household",
        _("Family's record"),
        "audit:household_export",
        order=90,
        ask=audit_policy.can_export_household,
    )
    pages.add_panel(
        "household",
        "audit/_disclosures_panel.html",
        order=90,
        context=disclosures_context,
        ask=audit_policy.can_export_household,
    )
    # A child's disclosures are for those who see the child's family in full.
    pages.add_panel(
        "student",
        "audit/_disclosures_panel.html",
        order=90,
        context=student_disclosures_context,
        ask=full_view,
    )
