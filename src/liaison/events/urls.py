"""URLs of the events app."""

from django.urls import path

from liaison.events import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_edit, name="new"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("<int:pk>/counts/", views.event_counts, name="counts"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path("<int:pk>/invite/", views.event_invite, name="invite"),
    path("<int:pk>/minutes/", views.event_minutes, name="minutes"),
    path("<int:pk>/event.ics", views.event_ics, name="ics"),
    path("<int:pk>/flyer.pdf", views.event_flyer, name="flyer"),
    path("<int:pk>/kiosk/", views.kiosk_page, name="kiosk"),
    path("<int:pk>/kiosk-start/", views.kiosk_start, name="kiosk_start"),
    path("<int:pk>/kiosk/language/", views.kiosk_language, name="kiosk_language"),
    path("<int:pk>/kiosk/leave/", views.kiosk_leave, name="kiosk_leave"),
    path("<int:pk>/kiosk/check-in/", views.kiosk_check_in, name="kiosk_check_in"),
    path("<int:pk>/kiosk/search/", views.kiosk_search, name="kiosk_search"),
    path("<int:pk>/kiosk/walk-in/", views.kiosk_walk_in, name="kiosk_walk_in"),
    path(
        "<int:pk>/walk-ins/<int:invitation_pk>/",
        views.walk_in_match,
        name="walk_in_match",
    ),
    path("<int:pk>/slots/", views.slots, name="slots"),
    path("<int:pk>/slots/<int:teacher_pk>/print/", views.slots_print, name="slots_print"),
    path("households/<int:pk>/", views.household_events, name="household_events"),
    path(
        "households/<int:pk>/conference/<int:event_pk>/",
        views.household_slot,
        name="household_slot",
    ),
    path("invitations/<int:pk>/answer/", views.invitation_rsvp, name="invitation_rsvp"),
    path("r/<str:token>/", views.rsvp_link, name="rsvp_link"),
    path("qr/<str:token>.svg", views.invitation_qr, name="qr"),
    path("feeds/<str:token>.ics", views.feed, name="feed"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
]
