"""URLs of the attendance app."""

from django.urls import path

from liaison.attendance import atrisk_views

app_name = "attendance"
urlpatterns = [
    path("at-risk/", atrisk_views.at_risk, name="at_risk"),
    path("at-risk/rules/", atrisk_views.at_risk_rules, name="at_risk_rules"),
    path("at-risk/outreach/", atrisk_views.start_outreach, name="at_risk_outreach"),
    path("households/<int:pk>/unreachable/", atrisk_views.unreachable, name="unreachable"),
]
