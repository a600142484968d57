"""Background refresh of the insights rollups."""

from django.tasks import task

from liaison.insights import services


@task()
def refresh_insights(full: bool = False):
    return services.refresh_all(full=full)
