"""Conversations, messages, their renderings per language, deliveries (the outbox) and consent."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.messaging.choices import (
    OPEN_DELIVERY_STATES,
    Channel,
    ConversationStatus,
    DeliveryState,
    Direction,
    FailureReason,
    MessageKind,
    MessageState,
    SuppressionReason,
)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _token() -> str:
    return secrets.token_urlsafe(12)


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Threads this person may open: see core/policy/messaging.py (thread_filter)."""
        from liaison.core.policy import messaging as mpolicy

        return self.filter(mpolicy.thread_filter(user))

    def with_unread(self, user):
        """`unread`: the family's messages this member of staff has not seen (each person reads
        on their own: one liaison opening a thread leaves it unread for a colleague)."""
        last_read = ConversationRead.objects.filter(conversation=OuterRef("pk"), user=user).values(
            "read_at"
        )[:1]
        return self.annotate(my_read_at=Subquery(last_read)).annotate(
            unread=Count(
                "messages",
                filter=Q(messages__direction=Direction.IN)
                & (Q(my_read_at__isnull=True) | Q(messages__created_at__gt=F("my_read_at"))),
            )
        )

    def unread_by(self, user):
        """Threads with a message from the family this person has not read (one EXISTS each)."""
        read_at = ConversationRead.objects.filter(
            conversation=OuterRef(OuterRef("pk")), user=user
        ).values("read_at")[:1]
        newer = Message.objects.filter(
            conversation=OuterRef("pk"),
            direction=Direction.IN,
            created_at__gt=Coalesce(Subquery(read_at), Value(_EPOCH)),
        )
        return self.filter(Exists(newer))

    def with_latest_message(self):
        """`latest_message_id`: the newest message of each thread (the inbox's preview)."""
        latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-pk")
        return self.annotate(latest_message_id=Subquery(latest.values("pk")[:1]))


class Conversation(models.Model):
    """A thread between a household and the school.

    Each household has one shared thread with the family-liaison team (`staff` empty), and one
    thread of its own with any member of staff who writes to the family as themselves (a teacher,
    a counsellor: `staff` set), so that a reply reaches the person it answers.
    """

    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="conversations"
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="conversations"
    )
    # Set on a member of staff's own thread with the family; empty on the shared thread. PROTECT:
    # a thread, and what the family wrote in it, outlives the staff account (deactivate instead).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_conversations",
        verbose_name=_("staff member"),
    )
    reply_token = models.CharField(max_length=32, unique=True, default=_token)
    status = models.CharField(
        max_length=8, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        verbose_name=_("assigned to"),
    )
    # Set when the family wrote last and no one has answered yet: the inbox sorts by it.
    awaiting_since = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(staff__isnull=True),
                name="one_shared_conversation_per_household",
            ),
            models.UniqueConstraint(
                fields=["household", "staff"],
                condition=models.Q(staff__isnull=False),
                name="one_conversation_per_household_and_staff",
            ),
        ]
        indexes = [models.Index(fields=["district", "status", "awaiting_since"])]

    def __str__(self):
        if self.staff_id:
            return f"{self.household} · {self.staff}"
        return str(self.household)

    def get_absolute_url(self):
        return reverse("messaging:conversation", args=[self.pk])


class ConversationRead(models.Model):
    """How far a member of staff has read a thread (for unread counts)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="conversation_read_once")
        ]

    def __str__(self):
        return f"{self.user_id} read {self.conversation_id} at {self.read_at}"


class Message(models.Model):
    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.OUT)
    kind = models.CharField(
        max_length=16, choices=MessageKind.choices, default=MessageKind.CONVERSATION
    )
    notice_kind = models.CharField(max_length=40, blank=True)
    state = models.CharField(
        max_length=10, choices=MessageState.choices, default=MessageState.QUEUED
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    source_language = models.CharField(max_length=35, default="en")
    template = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(
        _("urgent"), default=False, help_text=_("Closures and safety: sent even in quiet hours.")
    )
    send_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Inbound: who wrote, how, and when we received it.
    guardian = models.ForeignKey(
        "people.Guardian", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    # One-way notices called twice with the same key make one message ("sent once").
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    related_type = models.CharField(max_length=60, blank=True)
    related_id = models.CharField(max_length=60, blank=True)
    audience = models.JSONField(default=dict, blank=True)  # announcements: the frozen spec
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self):
        return self.subject or self.body[:60]

    def kept_households(self, *, created: bool = False) -> list[int] | None:
        """The households whose kept pages show this message (core/kept.py), named without a
        query: its thread's. A notice or an announcement (no thread) reaches pages through its
        deliveries, which name their households when written: just made, it is on no page yet;
        changed later, it may be on many (None: every household's of the district)."""
        if self.conversation_id is None:
            return [] if created else None
        if not Message.conversation.is_cached(self):
            return None
        conversation = self.conversation
        return None if conversation is None else [conversation.household_id]


class Rendering(models.Model):
    """A message's text in one language, made once per language (never once per guardian)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="renderings")
    language = models.CharField(max_length=35)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    method = models.CharField(max_length=16)
    needs_follow_up = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "language"], name="rendering_once")
        ]

    def __str__(self):
        return f"{self.message_id} [{self.language}]"


class Attachment(models.Model):
    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "message.conversation.household_id"
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="messaging/%Y/%m/", blank=True)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    # A picture sent by text (MMS) is fetched from the provider after the webhook has answered:
    # until then the row holds where it is; a fetch that fails says why.
    source_url = models.URLField(max_length=1000, blank=True)
    fetch_error = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return self.name

    @property
    def is_pending(self) -> bool:
        return not self.file and bool(self.source_url) and not self.fetch_error


class OutboxQuerySet(models.QuerySet):
    """What families' deliveries and staff notices share: the outbox states and their timing."""

    def open(self):
        return self.filter(state__in=OPEN_DELIVERY_STATES)

    def next_due_at(self, leases=(DeliveryState.LEASED, DeliveryState.SENDING)):
        """When the worker next has something to do: the first queued row or the first lease to
        run out among rows in `leases` (None when nothing waits)."""
        queued = (
            self.filter(state=DeliveryState.QUEUED)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        lease = (
            self.filter(state__in=list(leases))
            .order_by("lease_until")
            .values_list("lease_until", flat=True)
            .first()
        )
        return min([t for t in (queued, lease) if t is not None], default=None)


class DeliveryQuerySet(OutboxQuerySet):
    def last_sent_to(self, guardian):
        """The last delivery we sent this guardian, with its message (what a bare keyword reply
        such as "NO ENTIENDO" or "SÍ" answers), or None."""
        return (
            self.filter(guardian=guardian, message__direction=Direction.OUT)
            .select_related("message")
            .order_by("-created_at", "-pk")
            .first()
        )

    def due(self, now=None):
        now = now or timezone.now()
        return self.filter(
            Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now)
            | Q(state=DeliveryState.LEASED, lease_until__lt=now)
        )


class Delivery(models.Model):
    """One message to one guardian on one channel: the outbox row and the truth about it."""

    # No single-column indexes on message and guardian: the unique key and delivery_guardian_state
    # lead with them, and every index costs an announcement's insert of 200,000 rows.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    guardian = models.ForeignKey(
        "people.Guardian",
        on_delete=models.CASCADE,
        related_name="message_deliveries",
        db_index=False,
    )
    household_id_copy = models.BigIntegerField(db_column="household_id", db_index=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=35, default="en")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # Set with state "failed": why, in words the announcement page groups by. A database default:
    # the fan-out inserts deliveries with INSERT … SELECT naming its columns.
    failure = models.CharField(
        max_length=16, choices=FailureReason.choices, blank=True, default="", db_default=""
    )
    needs_follow_up = models.BooleanField(default=False)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "guardian", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=Q(state="queued"),
            ),
            # Partial indexes are not touched when queued rows are inserted.
            models.Index(
                fields=["state", "lease_until"],
                name="delivery_state_lease",
                condition=Q(state__in=["leased", "sending"]),
            ),
            models.Index(
                fields=["provider_id"], name="delivery_provider_id", condition=~Q(provider_id="")
            ),
            models.Index(fields=["guardian", "state"], name="delivery_guardian_state"),
            # Insights' incremental refresh asks which households' deliveries changed since its
            # last run; with the household in the index that is an index-only range scan, not a
            # scan of every delivery ever sent.
            models.Index(fields=["updated_at", "household_id_copy"], name="delivery_updated"),
        ]
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"{self.message_id} → {self.guardian_id} ({self.channel}: {self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DELIVERY_STATES


class ChannelHealth(models.Model):
    """Whether a channel answers, per district: the outage state the drain reads once a batch.

    While `failing_since` is set the channel is in an outage: its deliveries wait until
    `paused_until` (backoff capped at a few minutes) without spending their attempts, and one
    probe delivery tries again then. The first delivery the channel takes clears it. In our
    tables, not in a worker's memory, because it must survive a crash and be shared by workers.
    """

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    failing_since = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # When the district's admins were told that urgent messages are waiting (once an outage).
    alerted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "channel"], name="channel_health_once")
        ]
        verbose_name_plural = _("channel health")

    def __str__(self):
        state = f"failing since {self.failing_since:%Y-%m-%d %H:%M}" if self.failing_since else "ok"
        return f"{self.district_id} {self.channel}: {state}"


class StaffDeliveryQuerySet(OutboxQuerySet):
    pass


class StaffDelivery(models.Model):
    """A notice to a member of staff (a reminder, an outage alert) on one channel.

    The staff side of the outbox: the same states, lease, retries and channel pauses as Delivery,
    drained by the same worker. `key` makes it once: the same reminder queued twice is one row.
    """

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    key = models.CharField(max_length=120, unique=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=500, blank=True)
    failure = models.CharField(max_length=16, choices=FailureReason.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = StaffDeliveryQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="staff_delivery_due")]
        verbose_name_plural = _("staff deliveries")

    def __str__(self):
        return f"{self.key} → {self.staff_id} ({self.channel}: {self.state})"


class Suppression(models.Model):
    """An address or number we must not use on a channel: an opt-out, a hard bounce, a rejection."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The one confirmation an opt-out earns: set when it was sent, never sent twice.
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="suppression_once")
        ]

    def __str__(self):
        return f"{self.channel}:{self.address} ({self.reason})"


class UnmatchedInbound(models.Model):
    """A text from a number we don't know, waiting for a liaison to attach it to a household."""

    district = models.ForeignKey(
        "people.District", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SMS)
    sender = models.CharField(max_length=254)
    body = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True)  # [[url, content type]] of an MMS, unfetched
    provider_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    resolved_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=~Q(provider_id=""),
                name="unmatched_inbound_once",
            )
        ]

    def __str__(self):
        return f"{self.sender}: {self.body[:40]}"


class PossibleOptOut(models.Model):
    """A short text from a family that may mean "stop texting me" but is none of the known ways of
    saying it ("STOP!!! who is this"): shown on the thread for a liaison to opt the number out."""

    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "message.conversation.household_id"
    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="possible_opt_out"
    )
    address = models.CharField(max_length=254)  # the number the text came from
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"{self.address} may want to stop ({self.message_id})"


class InboundReceipt(models.Model):
    """Provider ids of inbound messages already stored: a webhook retried by the provider stores nothing new."""

    provider_id = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.provider_id


class SavedAudience(models.Model):
    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    spec = models.JSONField(default=dict)
    guardian_ids = models.JSONField(default=list, blank=True)  # a fixed list, when it is one
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SavedReply(models.Model):
    """A reply staff send often (a snippet with placeholders such as {guardian_name}), inserted in
    the composer. Its name, text and translations are a district message template (the language
    app's), so each language is approved by the district's translators like any template's."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    template = models.OneToOneField(
        "language.MessageTemplate", on_delete=models.CASCADE, related_name="saved_reply"
    )
    is_active = models.BooleanField(_("offered in the composer"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template__name"]
        verbose_name_plural = _("saved replies")

    def __str__(self):
        return self.template.name
