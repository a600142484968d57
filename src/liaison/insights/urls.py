"""URLs of the insights app."""

from django.urls import path

from liaison.insights import report_views, views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("households/", views.households, name="households"),
    path("call-list/", views.call_list, name="call_list"),
    path("outreach/", views.outreach, name="outreach"),
    path("refresh/", views.refresh, name="refresh"),
    path("at-risk/", report_views.at_risk, name="at_risk"),
    path("at-risk/rules/", report_views.at_risk_rules, name="at_risk_rules"),
    path("advocacy/", report_views.advocacy_summary, name="advocacy"),
    path("attendance-outcomes/", report_views.attendance_outcomes, name="attendance_outcomes"),
    path("summary.pdf", report_views.summary_pdf, name="summary_pdf"),
]
