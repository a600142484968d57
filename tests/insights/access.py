"""Access rows for the insights app's URLs (dashboards show no single family's record)."""

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
}
ROWS = {}
EXEMPT = {}
