"""URLs of the attendance app."""

from django.urls import path

from liaison.attendance import views

app_name = "attendance"
urlpatterns = [
    path("rules/", views.rules, name="rules"),
]
