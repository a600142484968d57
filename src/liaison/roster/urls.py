"""URLs of the roster app."""

from django.urls import path

from liaison.roster import views

app_name = "roster"
urlpatterns = [
    path("", views.imports, name="imports"),
    path("template.csv", views.households_template, name="households_template"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/rejected.csv", views.run_rejected_csv, name="run_rejected"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/activate/", views.staff_activate, name="staff_activate"),
    path("households/<int:pk>/merge/", views.household_merge, name="household_merge"),
    path("households/<int:pk>/split/", views.household_split, name="household_split"),
]
