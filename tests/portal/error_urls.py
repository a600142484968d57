"""The project's URLs plus one portal path that fails, to see the family's 500 page."""

from django.urls import path

from liaison.config.urls import handler400, handler404, handler500, urlpatterns  # noqa: F401


def _fails(request):
    raise RuntimeError("a fault on our side")


urlpatterns = [path("family/fails/", _fails), path("people/fails/", _fails), *urlpatterns]
