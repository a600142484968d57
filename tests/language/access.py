"""Access rows for the language app's URLs."""

import datetime as dt

from tests.access import EDIT, Row, household_pk

TOOLS = {  # language pages: those who work with families, and interpreters
    "admin": 200,
    "leader": 200,
    "liaison": 200,
    "teacher": 404,
    "interpreter": 200,
    "outsider": 404,
}
SENDERS = {**TOOLS, "interpreter": 404}
ADMIN_ONLY = {**dict.fromkeys(TOOLS, 404), "admin": 200}


def interpreter_request_pk(world, household):
    from django.utils import timezone

    from liaison.language.models import InterpreterRequest

    request = InterpreterRequest.objects.create(
        district=household.district,
        household=household,
        language=household.primary_language,
        mode="phone",
        starts_at=timezone.now() + dt.timedelta(days=1),
    )
    return [request.pk]


def report_pk(world, household):
    from liaison.language.models import UnderstandingReport

    report = UnderstandingReport.objects.create(
        district=household.district,
        household=household,
        guardian=household.guardians.first(),
        language=household.primary_language,
    )
    return [report.pk]


def suggestion_pk(world, household):
    from liaison.language.models import LanguageSuggestion

    suggestion = LanguageSuggestion.objects.create(
        guardian=household.guardians.first(), detected_language="fr"
    )
    return [suggestion.pk]


ROWS = {
    "language:request_new": Row(household_pk, EDIT),
    "language:request": Row(interpreter_request_pk, EDIT),
    "language:report_resolve": Row(
        report_pk, EDIT, method="post", data=lambda w, h: {"resolution": "Called back."}
    ),
    "language:suggestion_decide": Row(
        suggestion_pk, EDIT, method="post", data=lambda w, h: {"accept": "no"}
    ),
}
NO_RECORD = {
    "language:home": TOOLS,
    "language:preview": SENDERS,
    "language:correct": dict.fromkeys(TOOLS, 405),  # POST only; tested in test_views.py
    "language:memory": TOOLS,
    "language:templates": TOOLS,
    "language:glossary": TOOLS,
    "language:settings": ADMIN_ONLY,
    "language:coverage": TOOLS,
    "language:interpreters": TOOLS,
    "language:interpreter_new": SENDERS,
    "language:requests": TOOLS,
}
EXEMPT = {
    "language:memory_edit": "a district's translation memory row, no family: tests/language/test_views.py",
    "language:template": "a district's template, no family: tests/language/test_views.py",
    "language:glossary_delete": "a district's glossary term, no family: tests/language/test_views.py",
    "language:interpreter_edit": "the interpreter directory, no family: tests/language/test_views.py",
    "language:didnt_understand": "the family's signed link, no sign-in: tests/language/test_followup.py",
}
