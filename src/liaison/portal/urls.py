"""URLs of the portal app."""

app_name = "portal"
urlpatterns = []
