"""Background work of the resources app (django.tasks): follow-up reminders."""

from django.tasks import task


@task()
def send_referral_reminder(referral_id: int) -> bool:
    from liaison.resources import services

    return services.send_follow_up_reminder(referral_id)
