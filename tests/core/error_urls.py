"""The project's URLs plus one view that fails, to see the 500 page as a person would."""

from django.urls import path

from liaison.config.urls import urlpatterns as project_urls

FAULT = "KeyError in the ledger at line 42"


def broken(request):
    raise RuntimeError(FAULT)


urlpatterns = [path("broken/", broken), *project_urls]
