"""Rollup tables behind every dashboard: facts collected incrementally, never raw history in a request.

Flow: sources (messaging, the contact log, events) -> ContactFact / ResponseFact (append, by cursor)
-> HouseholdEngagement (one row per household) -> Rollup (small per-scope, per-day figures).
"""

from django.db import models
from django.utils import timezone

from liaison.core.kept import KeptWrites
from liaison.core.today_writes import TodayWrites
from liaison.insights.choices import ContactKind, Dimension, Scope


class SourceCursor(models.Model):
    """How far each fact source has been read (the last id seen), so collection is incremental."""

    name = models.CharField(max_length=60, unique=True)
    last_id = models.BigIntegerField(default=0)
    last_time = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.name} @ {self.last_id}"


class ContactFact(models.Model):
    """One contact with a family. two_way: the family took part (replied, answered, came)."""

    district_id = models.BigIntegerField()
    household_id = models.BigIntegerField()
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    two_way = models.BooleanField(default=True)
    source = models.CharField(max_length=40)
    source_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], name="contactfact_source_unique"
            )
        ]
        indexes = [
            models.Index(fields=["household_id", "at"]),
            models.Index(fields=["district_id", "at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.household_id} {self.at:%Y-%m-%d}"


class ResponseFact(models.Model):
    """A family message and how long until the first staff reply in the same conversation."""

    message_id = models.BigIntegerField(unique=True)
    conversation_id = models.BigIntegerField(db_index=True)
    district_id = models.BigIntegerField()
    engagement = models.ForeignKey(
        "HouseholdEngagement",
        db_column="household_id",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="responses",
    )
    received_at = models.DateTimeField()
    replied_at = models.DateTimeField(null=True, blank=True)
    seconds = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["district_id", "received_at"])]

    def __str__(self):
        return f"message {self.message_id}: {self.seconds}s"

    @property
    def household_id(self):
        return self.engagement_id


class HouseholdEngagement(models.Model):
    """The state of one household's engagement, refreshed when its facts or deliveries change."""

    household_id = models.BigIntegerField(primary_key=True)
    district_id = models.BigIntegerField(db_index=True)
    is_active = models.BooleanField(default=True)
    last_two_way_at = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    all_channels_failing = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TodayWrites.as_manager()

    class Meta:
        indexes = [models.Index(fields=["district_id", "last_two_way_at"])]

    def __str__(self):
        return f"household {self.household_id}"


class HouseholdDimension(models.Model):
    """The values a household is counted under: its sites, languages, programmes, grades, liaisons."""

    engagement = models.ForeignKey(
        "HouseholdEngagement",
        db_column="household_id",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="dimensions",
    )
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "dimension", "value"], name="householddimension_unique"
            )
        ]
        indexes = [models.Index(fields=["dimension", "value", "engagement"])]

    def __str__(self):
        return f"{self.engagement_id} {self.dimension}={self.value}"


class Rollup(models.Model):
    """A figure for one scope (district, site or a liaison's caseload), metric and dimension value, per day."""

    district_id = models.BigIntegerField()
    scope = models.CharField(max_length=10, choices=Scope.choices)
    scope_id = models.BigIntegerField()
    day = models.DateField()
    metric = models.CharField(max_length=40)
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=40)
    number = models.FloatField(null=True)

    # A rebuild (delete and bulk_create) makes the kept dashboards stale (core/kept.py).
    objects = KeptWrites.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "day", "metric", "dimension", "value"],
                name="rollup_unique",
            )
        ]
        indexes = [models.Index(fields=["scope", "scope_id", "metric", "day"])]

    def __str__(self):
        return f"{self.scope}:{self.scope_id} {self.day} {self.metric} {self.dimension}={self.value}: {self.number}"


class AtRiskRules(models.Model):
    """A district's tunable rules for the at-risk list."""

    district = models.OneToOneField(
        "people.District", on_delete=models.CASCADE, related_name="at_risk_rules"
    )
    no_contact_days = models.PositiveSmallIntegerField(default=60)
    flag_all_channels_failing = models.BooleanField(default=True)
    flag_overdue_urgent_concerns = models.BooleanField(default=True)

    def __str__(self):
        return f"At-risk rules for {self.district}"


class ActivityFact(models.Model):
    """One thing the concern, referral and event figures count, dated, kept current incrementally.

    Made from a concern, referral, unmet need or event (source, source_id) and remade whenever that
    row changes, so the rollups read these few columns instead of the apps' tables. kind says what
    happened at `at`: concern_raised, concern_resolved, referral_sent, referral_closed (outcome is
    the referral's status), unmet_need, event_invited, event_rsvp_yes, event_attended,
    interpreter_requested, interpreter_met (language is the one asked for)."""

    district_id = models.BigIntegerField()
    household_id = models.BigIntegerField(null=True)
    source = models.CharField(max_length=20)
    source_id = models.BigIntegerField()
    kind = models.CharField(max_length=24)
    at = models.DateTimeField()
    category = models.CharField(max_length=40, blank=True)
    outcome = models.CharField(max_length=24, blank=True)
    language = models.CharField(max_length=40, blank=True)
    hours = models.FloatField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["source", "source_id"]),
            models.Index(fields=["district_id", "at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.household_id} {self.at:%Y-%m-%d}"
