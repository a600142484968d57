"""URLs of the staff workspace for families."""

from django.urls import path

from liaison.people import views

app_name = "people"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("search/", views.search, name="search"),
    path("households/new/", views.household_edit, name="household_new"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/reason/", views.household_reason, name="household_reason"),
    path("households/<int:pk>/timeline/", views.household_timeline, name="household_timeline"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/assign/", views.household_assign, name="household_assign"),
    path("households/<int:household_pk>/guardians/new/", views.guardian_edit, name="guardian_new"),
    path("households/<int:household_pk>/students/new/", views.student_edit, name="student_new"),
    path("guardians/<int:pk>/", views.guardian, name="guardian"),
    path("guardians/<int:pk>/edit/", views.guardian_edit, name="guardian_edit"),
    path("students/<int:pk>/", views.student, name="student"),
    path("students/<int:pk>/edit/", views.student_edit, name="student_edit"),
]
