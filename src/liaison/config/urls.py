"""Top-level URL map: each app mounts its own urls under its domain word."""

from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from liaison.core import live
from liaison.core import views as core_views
from liaison.worklist import views as worklist_views

admin.site.login = secure_admin_login(admin.site.login)

# A parameter we cannot read (an impossible date ...) says which one (core/params.py).
handler400 = "liaison.core.views.bad_request"

urlpatterns = [
    path("", worklist_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics_view, name="metrics"),
    # Open pages' server-sent events (core/live.py): served under ASGI (`liaison serve --asgi`).
    path("live/", live.stream, name="live_stream"),
    # Staff sign in through allauth (throttling, second factors, single sign-on); the Django admin
    # sends its sign-in there too, so no path skips the second factor.
    path("sign-in/", account_views.login, name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("allauth.urls")),
    path("people/", include("liaison.people.urls")),
    path("roster/", include("liaison.roster.urls")),
    path("messages/", include("liaison.messaging.urls")),
    path("language/", include("liaison.language.urls")),
    path("concerns/", include("liaison.concerns.urls")),
    path("resources/", include("liaison.resources.urls")),
    path("events/", include("liaison.events.urls")),
    path("attendance/", include("liaison.attendance.urls")),
    path("family/", include("liaison.portal.urls")),
    path("insights/", include("liaison.insights.urls")),
    path("tasks/", include("liaison.worklist.urls")),
    path("audit/", include("liaison.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
