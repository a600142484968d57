"""Deactivating a staff account ends every session it has, at once; sessions start their clock."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import pre_save
from django.dispatch import receiver


@receiver(pre_save, sender=get_user_model())
def end_sessions_of_deactivated_accounts(sender, instance, **kwargs):
    if instance.pk is None or instance.is_active:
        return
    was_active = sender.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:
        end_sessions(instance)


def end_sessions(user) -> int:
    """Delete the user's sessions (database sessions: each is decoded, which is fine for a rare
    administrative act)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    """The absolute and idle timeouts count from sign-in (core.middleware.SessionTimeoutMiddleware)."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session["liaison_started"] = now
        request.session["liaison_seen"] = now
