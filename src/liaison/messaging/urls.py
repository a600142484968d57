"""URLs of the messaging app."""

from django.urls import path

from liaison.messaging import views, webhooks

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("threads/<int:pk>/", views.conversation, name="conversation"),
    path("threads/<int:pk>/messages/", views.conversation_messages, name="conversation_messages"),
    path("threads/<int:pk>/assign/", views.conversation_assign, name="conversation_assign"),
    path("threads/<int:pk>/done/", views.conversation_done, name="conversation_done"),
    path(
        "threads/<int:pk>/messages/<int:message_pk>/cancel/",
        views.message_cancel,
        name="message_cancel",
    ),
    path(
        "threads/<int:pk>/messages/<int:message_pk>/opt-out/",
        views.message_opt_out,
        name="message_opt_out",
    ),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("households/<int:pk>/write/", views.household_write, name="household_write"),
    path("households/<int:pk>/write/mine/", views.household_write_own, name="household_write_own"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
    path("deliveries/<int:pk>/switch/", views.delivery_switch, name="delivery_switch"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/new/", views.announcement_new, name="announcement_new"),
    path("announcements/<int:pk>/", views.announcement, name="announcement"),
    path(
        "announcements/<int:pk>/failed/retry/",
        views.announcement_retry_failed,
        name="announcement_retry_failed",
    ),
    path(
        "announcements/<int:pk>/failed/switch/",
        views.announcement_switch_failed,
        name="announcement_switch_failed",
    ),
    path("replies/", views.saved_replies_page, name="saved_replies"),
    path("replies/<int:pk>/", views.saved_reply_edit, name="saved_reply_edit"),
    path("unmatched/", views.unmatched, name="unmatched"),
    path("unmatched/<int:pk>/attach/", views.unmatched_attach, name="unmatched_attach"),
    # Called by providers and families' mail clients, not by staff:
    path("sms/inbound/", webhooks.sms_inbound, name="sms_inbound"),
    path("sms/status/", webhooks.sms_status, name="sms_status"),
    path("email/inbound/", webhooks.email_inbound, name="email_inbound"),
    path("u/<str:token>/", webhooks.unsubscribe, name="unsubscribe"),
]
