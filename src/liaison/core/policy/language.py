"""Access rules of the language app, built on the scopes in core.policy."""

from liaison.core.policy.lookup import Person, Record
from liaison.core.policy.scopes import access_for, can_edit_household, full_view


def can_use_language_tools(user: Person) -> bool:
    """The language pages: people who work with families, and interpreters."""
    access = access_for(user)
    return access.works_with_families or access.is_interpreter


def can_preview(user: Person) -> bool:
    """Preview and correct the translations of a message: those who send messages to families."""
    return access_for(user).works_with_families


def can_approve_translations(user: Person) -> bool:
    """Approve translation memory and template translations: admins, leaders, liaisons, interpreters."""
    access = access_for(user)
    return access.works_with_families or access.is_interpreter


def can_manage_language_settings(user: Person) -> bool:
    return access_for(user).is_admin


def can_manage_interpreters(user: Person) -> bool:
    access = access_for(user)
    return access.is_admin or bool(access.leader_site_ids) or access.is_liaison


def can_request_interpreter(user: Person, household: Record) -> bool:
    return can_edit_household(user, household)


def can_see_interpreter_request(user: Person, request: Record) -> bool:
    """Those who work with the family, and the interpreter it is assigned to (nothing else)."""
    if request.interpreter_id and request.interpreter.user_id == user.pk:
        return True
    return full_view(user, request.household)


def can_assign_interpreter(user: Person, request: Record) -> bool:
    return can_manage_interpreters(user) and full_view(user, request.household)


def can_confirm_interpreter_request(user: Person, request: Record) -> bool:
    if request.interpreter_id and request.interpreter.user_id == user.pk:
        return True
    return can_assign_interpreter(user, request)
