"""Background entry point: run a queued import."""

from django.tasks import task

from liaison.roster.models import ImportRun


@task()
def run_import_task(run_id: int) -> None:
    from liaison.roster.services import execute

    run = ImportRun.objects.get(pk=run_id)
    execute(run, run.upload.path)
