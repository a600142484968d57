from django.urls import path

from liaison.worklist import views

app_name = "worklist"

urlpatterns = [
    path("counts/", views.counts, name="counts"),
    path("households/<int:pk>/new/", views.new, name="new"),
    path("<int:pk>/done/", views.complete, name="complete"),
    path("<int:pk>/snooze/", views.snooze, name="snooze"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
]
