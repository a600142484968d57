"""URLs of the attendance app."""

from django.urls import path

from liaison.attendance import views

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
]
