"""URLs of the attendance app."""

from django.urls import path

from liaison.attendance import atrisk_views, views

app_name = "attendance"
urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/template-<slug:kind>.csv", views.template, name="template"),
    path(
        "answers/<int:pk>/<slug:barrier>/concern/",
        views.barrier_concern,
        name="barrier_concern",
    ),
    path("rules/", views.rules, name="rules"),
    path("message/", views.attendance_message, name="message"),
    path("at-risk/", atrisk_views.at_risk, name="at_risk"),
    path("at-risk/rules/", atrisk_views.at_risk_rules, name="at_risk_rules"),
    path("at-risk/outreach/", atrisk_views.start_outreach, name="at_risk_outreach"),
    path("households/<int:pk>/unreachable/", atrisk_views.unreachable, name="unreachable"),
]
