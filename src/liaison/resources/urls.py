"""URLs of the resources app."""

app_name = "resources"
urlpatterns = []
