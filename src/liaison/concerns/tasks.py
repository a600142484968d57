"""Background entry points of the concerns app."""

from django.tasks import task

from liaison.concerns.services import send_due_reminders


@task()
def send_reminders() -> int:
    """Overdue-concern and follow-up reminders; safe to run as often as wanted."""

    return send_due_reminders()
