"""URLs of the concerns app."""

from django.urls import path

from liaison.concerns import views

app_name = "concerns"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("reassign/", views.reassign_all, name="reassign_all"),
    path("settings/", views.district_settings, name="settings"),
    path("households/<int:pk>/", views.household_concerns, name="household"),
    path("households/<int:pk>/new/", views.new, name="new"),
    path("households/<int:pk>/contacts/", views.contacts, name="contacts"),
    path("from-message/<int:pk>/", views.from_message, name="from_message"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>.json", views.detail_json, name="detail_json"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/notes/", views.add_note, name="note"),
    path("<int:pk>/satisfaction/", views.satisfaction, name="satisfaction"),
    path("<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/actions/", views.meeting_action, name="meeting_action"),
    path("meetings/<int:pk>/send/", views.meeting_send, name="meeting_send"),
]
