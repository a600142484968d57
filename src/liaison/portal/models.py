"""The portal's own tables: sign-in codes and links, throttling, remembered devices, preferences."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.portal.choices import SignInChannel, ThrottleKind


class SignInChallengeQuerySet(models.QuerySet):
    def live(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class SignInChallenge(models.Model):
    """A six-digit code (SMS) or one-time link (email) sent to a number or address on file.

    Only hashes are kept: the code salted and keyed (HMAC-SHA256), the link token by SHA-256
    (it is long and random, so it can be looked up by its hash).
    """

    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.CASCADE, related_name="portal_challenges"
    )
    channel = models.CharField(max_length=8, choices=SignInChannel.choices)
    destination_key = models.CharField(max_length=64, db_index=True)
    secret_hash = models.CharField(max_length=200)
    token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    next_path = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = SignInChallengeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["destination_key", "expires_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} for guardian {self.guardian_id}"


class SignInThrottle(models.Model):
    """One counted event (a request for a code, or a wrong guess) against a number/address or an IP.

    Keys are hashes (never the number or address itself) so this table holds no contact details.
    """

    kind = models.CharField(max_length=8, choices=ThrottleKind.choices)
    key = models.CharField(max_length=80)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "at"])]

    def __str__(self):
        return f"{self.kind} {self.key} {self.at:%Y-%m-%d %H:%M}"


class RememberedDevice(models.Model):
    """A phone or computer a guardian asked us to remember: its cookie signs them in until expiry."""

    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.CASCADE, related_name="portal_devices"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"device of guardian {self.guardian_id} until {self.expires_at:%Y-%m-%d}"


class FamilyPreference(models.Model):
    """What a guardian chose in the portal beyond language and channels (kept on Guardian)."""

    guardian = models.OneToOneField(
        "people.Guardian", on_delete=models.CASCADE, related_name="portal_preference"
    )
    quiet_hours_start = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet until"), null=True, blank=True)
    opt_out_announcements = models.BooleanField(_("no school announcements"), default=False)
    opt_out_events = models.BooleanField(_("no event invitations"), default=False)
    opt_out_reminders = models.BooleanField(_("no reminders"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                ),
                name="portal_quiet_hours_both_or_neither",
            )
        ]

    def __str__(self):
        return f"preferences of guardian {self.guardian_id}"


class ThreadSeen(models.Model):
    """When a guardian last opened one of their household's threads (for "new messages" on home)."""

    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.CASCADE, related_name="portal_threads_seen"
    )
    conversation = models.ForeignKey(
        "messaging.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guardian", "conversation"], name="thread_seen_once")
        ]

    def __str__(self):
        return f"guardian {self.guardian_id} read thread {self.conversation_id} at {self.seen_at:%Y-%m-%d %H:%M}"
