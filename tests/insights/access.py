"""Access rows for the insights app's URLs (dashboards show no single family's record).

SCOPE_ROWS: a scope asked for in the query string, which the dashboard, the drill-down, the PDF
summary and the at-risk list must all answer alike; tests/core/test_access_matrix.py drives them."""

from collections.abc import Callable
from dataclasses import dataclass

ROLE_PAGES = {
    "admin": 200,
    "leader": 200,
    "liaison": 200,
    "teacher": 404,
    "interpreter": 404,
    "outsider": 404,
}
NO_RECORD = {
    "insights:dashboard": ROLE_PAGES,
    "insights:households": ROLE_PAGES,
    "insights:call_list": ROLE_PAGES,
    "insights:outreach": dict.fromkeys(ROLE_PAGES, 405),  # POST only
    "insights:refresh": dict.fromkeys(ROLE_PAGES, 405),  # POST only
    "insights:at_risk": ROLE_PAGES,
    "insights:at_risk_rules": dict.fromkeys(ROLE_PAGES, 405),  # POST only
    "insights:advocacy": {**ROLE_PAGES, "liaison": 404},  # committees: leaders and admins
    "insights:summary_pdf": ROLE_PAGES,
    # Attendance before/after outreach: the district's figures for its admins, a site leader's
    # schools' for them.
    "insights:attendance_outcomes": {
        **dict.fromkeys(ROLE_PAGES, 404),
        "admin": 200,
        "leader": 200,
    },
}
ROWS = {}
EXEMPT = {}

SCOPE_PAGES = (
    "insights:dashboard",
    "insights:households",
    "insights:summary_pdf",
    "insights:at_risk",
)


@dataclass(frozen=True)
class ScopeRow:
    """params(world) -> the query string (after arranging the world); table: role -> status."""

    params: Callable
    table: dict
    pages: tuple = SCOPE_PAGES


def _caseload_reaching_beyond_the_leaders_sites(world):
    from liaison.insights import services
    from tests.factories import AssignmentFactory

    AssignmentFactory(staff=world.liaison, household=world.other_site_family)
    services.refresh_all(full=True)
    return {"scope": "caseload", "scope_id": world.liaison.pk}


def _caseload_within_the_leaders_sites(world):
    from liaison.insights import services

    services.refresh_all(full=True)
    return {"scope": "caseload", "scope_id": world.liaison.pk}


SCOPE_ROWS = {
    "a leader asks for the caseload of a liaison who has families outside the leader's sites": (
        ScopeRow(
            _caseload_reaching_beyond_the_leaders_sites,
            {**dict.fromkeys(ROLE_PAGES, 404), "admin": 200, "liaison": 200},
        )
    ),
    "a leader asks for the caseload of a liaison whose families are all at the leader's sites": (
        ScopeRow(
            _caseload_within_the_leaders_sites,
            {**dict.fromkeys(ROLE_PAGES, 404), "admin": 200, "leader": 200, "liaison": 200},
        )
    ),
}
