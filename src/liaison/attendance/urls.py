"""URLs of the attendance app."""

from django.urls import path

from liaison.attendance import views

app_name = "attendance"
urlpatterns = [
    path(
        "answers/<int:pk>/<slug:barrier>/concern/",
        views.barrier_concern,
        name="barrier_concern",
    ),
]
