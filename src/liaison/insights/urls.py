"""URLs of the insights app."""

from django.urls import path

from liaison.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("households/", views.households, name="households"),
    path("call-list/", views.call_list, name="call_list"),
    path("outreach/", views.outreach, name="outreach"),
    path("refresh/", views.refresh, name="refresh"),
]
