"""URLs of the portal app: the family-facing site under /family/."""

from django.urls import path

from liaison.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in_view, name="sign_in"),
    path("sign-in/code/", views.verify, name="verify"),
    path("sign-in/email-sent/", views.link_sent, name="link_sent"),
    path("sign-in/link/<str:token>/", views.link, name="link"),
    path("go/<str:purpose>/<str:token>/", views.deep_link, name="deep_link"),
    path("sign-out/", views.sign_out_view, name="sign_out"),
    path("language/", views.language, name="language"),
    path("children/", views.children, name="children"),
    path("liaison/<int:pk>/photo/", views.liaison_photo, name="liaison_photo"),
    path("preferences/", views.preferences, name="preferences"),
    path("messages/", views.conversations, name="conversations"),
    path("messages/<int:pk>/", views.conversation, name="conversation"),
    path("news/", views.announcements, name="announcements"),
    path("news/<int:pk>/", views.announcement, name="announcement"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/", views.event, name="event"),
    path("help/", views.find_help, name="find_help"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/<int:pk>/", views.concern, name="concern"),
]
