"""URLs of the language app."""

app_name = "language"
urlpatterns = []
