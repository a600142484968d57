"""URLs of the language app."""

from django.urls import path

from liaison.language import views

app_name = "language"
urlpatterns = [
    path("", views.home, name="home"),
    path("preview/", views.preview, name="preview"),
    path("preview/correct/", views.correct, name="correct"),
    path("memory/", views.memory, name="memory"),
    path("memory/<int:pk>/", views.memory_edit, name="memory_edit"),
    path("templates/", views.templates, name="templates"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("glossary/", views.glossary, name="glossary"),
    path("glossary/<int:pk>/delete/", views.glossary_delete, name="glossary_delete"),
    path("settings/", views.language_settings, name="settings"),
    path("coverage/", views.coverage, name="coverage"),
    path("interpreters/", views.interpreters, name="interpreters"),
    path("interpreters/new/", views.interpreter_edit, name="interpreter_new"),
    path("interpreters/<int:pk>/", views.interpreter_edit, name="interpreter_edit"),
    path("requests/", views.requests, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("households/<int:pk>/interpreter/", views.request_new, name="request_new"),
    path("reports/<int:pk>/resolve/", views.report_resolve, name="report_resolve"),
    path("suggestions/<int:pk>/", views.suggestion_decide, name="suggestion_decide"),
    path("u/<str:token>/", views.didnt_understand, name="didnt_understand"),
]
