"""URLs of the audit app."""

from django.urls import path

from liaison.audit import views

app_name = "audit"
urlpatterns = [
    path("break-glass/", views.break_glass, name="break_glass"),
    path("households/<int:pk>/record/", views.household_export, name="household_export"),
    path("households/<int:pk>/erase/", views.household_erase, name="household_erase"),
    path("me/contact/", views.contact_details, name="contact_details"),
]
