"""Background entry points of the concerns app."""

from django.tasks import task


@task()
def send_reminders() -> int:
    """Overdue-concern and follow-up reminders; safe to run as often as wanted."""
    from liaison.concerns.services import send_due_reminders

    return send_due_reminders()
