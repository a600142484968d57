"""Background entry points of the events app: thin, they load ids and call a service."""

from django.tasks import task

from liaison.events import services


@task()
def send_invitations_task(invitation_ids):
    return services.send_invitations(invitation_ids)


@task()
def send_promotions_task(invitation_ids):
    return services.send_promotions(invitation_ids)


@task()
def send_due_reminders_task():
    return services.send_due_reminders()


@task()
def send_change_notices_task(event_id, sequence):
    return services.send_change_notices(event_id, sequence)


@task()
def send_cancel_notices_task(event_id):
    return services.send_cancel_notices(event_id)
