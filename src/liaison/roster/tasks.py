"""Background entry point: run a queued import, then delete the uploaded file (it holds family data)."""

from django.tasks import task

from liaison.roster.models import ImportRun


@task()
def run_import_task(run_id: int) -> None:
    from liaison.roster.services import execute

    run = ImportRun.objects.get(pk=run_id)
    try:
        execute(run, run.upload.path)
    finally:
        run.upload.delete(save=False)
        ImportRun.objects.filter(pk=run.pk).update(upload="")
