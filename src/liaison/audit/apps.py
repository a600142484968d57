from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "liaison.audit"
    label = "audit"
    verbose_name = _("Access and disclosure records")

    def ready(self):
        from liaison.audit import people_record, records, signals  # noqa: F401
        from liaison.audit.models import UsedLink
        from liaison.core import links, nav
        from liaison.people import panels

        links.register_store(UsedLink)
        records.register(
            section="people",
            export=people_record.export,
            erase=people_record.erase,
            label=_("Household, guardians and students"),
        )
        nav.register(
            _("Access log"),
            "audit:break_glass",
            order=90,
            allowed=lambda access: access.is_leader,
        )
        panels.register_action(
            _("Family's record"),
            "audit:household_export",
            order=90,
            allowed=_may_export,
        )
        panels.register_panel(
            "audit/_disclosures_panel.html",
            order=90,
            context=_disclosures_context,
            allowed=_may_export,
        )
        panels.register_student_panel(
            "audit/_disclosures_panel.html",
            order=90,
            context=_student_disclosures_context,
            allowed=_may_see_student_disclosures,
        )


def _may_see_student_disclosures(user, student):
    from liaison.core.policy import full_view

    return student.household_id is not None and full_view(user, student.household)


def _student_disclosures_context(request, student):
    from liaison.audit.models import Disclosure

    return {"disclosures": list(Disclosure.objects.for_student(student.pk)[:20])}


def _may_export(user, household):
    from liaison.core.policy import audit as audit_policy

    return audit_policy.can_export_household(user, household)


def _disclosures_context(request, household):
    from liaison.audit.models import Disclosure

    return {
        "disclosures": list(
            Disclosure.objects.for_household(household.pk).prefetch_related("students")[:20]
        )
    }
