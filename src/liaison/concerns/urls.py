"""URLs of the concerns app."""

app_name = "concerns"
urlpatterns = []
