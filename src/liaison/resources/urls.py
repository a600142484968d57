"""URLs of the resources app."""

from django.urls import path

from liaison.resources import views

app_name = "resources"
urlpatterns = [
    path("", views.directory, name="search"),
    path("services/new/", views.service_edit, name="service_new"),
    path("services/<uuid:pk>/", views.service, name="service"),
    path("services/<uuid:pk>/edit/", views.service_edit, name="service_edit"),
    path("services/<uuid:pk>/verify/", views.service_verify, name="service_verify"),
    path("to-verify/", views.stale, name="stale"),
    path("export/", views.export, name="export"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("referrals/<int:pk>/status/", views.referral_status, name="referral_status"),
    path("referrals/<int:pk>/send/", views.referral_send, name="referral_send"),
    path("households/<int:pk>/", views.household_search, name="household_search"),
    path(
        "households/<int:pk>/refer/<uuid:service_pk>/",
        views.referral_new,
        name="referral_new",
    ),
    path("households/<int:pk>/unmet/", views.unmet_new, name="unmet_new"),
]
