"""The directory in the shape of Open Referral HSDS 3.0: every HSDS table keeps its UUID id and its
field names, so a data package round-trips. Liaison's own curation fields (`local_notes`,
`time_zone`, `cost`, feedback) are kept apart and survive a re-import."""

import datetime as dt
import uuid
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.models import TrackedModel
from liaison.core.validators import validate_time_zone
from liaison.resources.choices import Cost, LocationType, ServiceStatus

VERIFY_EVERY_DAYS = 365


def _opt(model, **kwargs):
    return models.ForeignKey(model, null=True, blank=True, on_delete=models.CASCADE, **kwargs)


class Taxonomy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    uri = models.CharField(max_length=500, blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("taxonomies")

    def __str__(self):
        return self.name


class TaxonomyTerm(models.Model):
    """A need ("Food pantry", "Immigration legal help"): what a family asks for and a service offers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    code = models.CharField(_("code"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    taxonomy_name = models.CharField(max_length=200, blank=True, db_column="taxonomy")
    taxonomy_detail = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.SET_NULL, db_column="taxonomy_id"
    )
    language = models.CharField(max_length=35, blank=True)
    term_uri = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Organization(TrackedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("also known as"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    website = models.CharField(_("website"), max_length=500, blank=True)
    tax_status = models.CharField(max_length=100, blank=True)
    tax_id = models.CharField(max_length=100, blank=True)
    year_incorporated = models.IntegerField(null=True, blank=True)
    legal_status = models.CharField(max_length=100, blank=True)
    logo = models.CharField(max_length=500, blank=True)
    uri = models.CharField(max_length=500, blank=True)
    parent_organization = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    local_notes = models.TextField(_("our notes"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ServiceQuerySet(models.QuerySet):
    def unverified(self, *, today=None):
        """Not verified (HSDS `assured_date`) in the last 12 months, or never."""
        today = today or timezone.localdate()
        cutoff = today - dt.timedelta(days=VERIFY_EVERY_DAYS)
        return self.filter(Q(assured_date__isnull=True) | Q(assured_date__lt=cutoff))


class Service(TrackedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    program_id = models.UUIDField(
        null=True, blank=True
    )  # kept for round trips; programs not modelled
    name = models.CharField(_("name"), max_length=300)
    alternate_name = models.CharField(_("also known as"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.CharField(_("website"), max_length=500, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    interpretation_services = models.TextField(_("interpretation"), blank=True)
    application_process = models.TextField(_("how to apply"), blank=True)
    fees_description = models.TextField(_("fees"), blank=True)
    wait_time = models.CharField(_("wait time"), max_length=200, blank=True)
    fees = models.TextField(blank=True)
    accreditations = models.TextField(blank=True)
    eligibility_description = models.TextField(_("who is eligible"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    assured_date = models.DateField(
        _("last verified"),
        null=True,
        blank=True,
        help_text=_("When someone last checked that this information is right."),
    )
    assurer_email = models.CharField(max_length=254, blank=True)
    licenses = models.TextField(blank=True)
    alert = models.TextField(_("alert"), blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    # Local curation (never overwritten by an import).
    local_notes = models.TextField(_("our notes"), blank=True)
    cost = models.CharField(_("cost"), max_length=8, choices=Cost.choices, blank=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="service_age_range",
                violation_error_message=_("The minimum age is above the maximum age."),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("resources:service", args=[self.pk])

    @property
    def needs_verification(self) -> bool:
        if self.assured_date is None:
            return True
        return self.assured_date < timezone.localdate() - dt.timedelta(days=VERIFY_EVERY_DAYS)


class Location(TrackedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    location_type = models.CharField(
        max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    url = models.CharField(max_length=500, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(_("getting there"), blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    external_identifier = models.CharField(max_length=200, blank=True)
    external_identifier_type = models.CharField(max_length=100, blank=True)
    # Local: opening hours are read in the location's zone (HSDS only has a fixed UTC offset).
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    local_notes = models.TextField(_("our notes"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
        ]

    def __str__(self):
        return self.name or str(self.id)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or settings.TIME_ZONE)


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="at_services")
    description = models.TextField(blank=True)

    def __str__(self):
        return f"{self.service_id} @ {self.location_id}"


class Address(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=200, blank=True)
    address_1 = models.CharField(_("street"), max_length=300)
    address_2 = models.CharField(max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(max_length=100, blank=True)
    state_province = models.CharField(_("state"), max_length=100)
    postal_code = models.CharField(_("ZIP code"), max_length=20)
    country = models.CharField(max_length=2, default="US")
    address_type = models.CharField(
        max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        street = ", ".join(p for p in [self.address_1, self.address_2] if p)
        return ", ".join(
            p for p in [street, self.city, f"{self.state_province} {self.postal_code}".strip()] if p
        )


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    location = _opt(Location, related_name="phones")
    service = _opt(Service, related_name="phones")
    organization = _opt(Organization, related_name="phones")
    contact_id = models.UUIDField(null=True, blank=True)  # contacts are not modelled
    service_at_location = _opt(ServiceAtLocation, related_name="phones")
    number = models.CharField(_("number"), max_length=50)
    extension = models.IntegerField(null=True, blank=True)
    type = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)

    def __str__(self):
        return self.display

    @property
    def e164(self) -> str:
        import phonenumbers

        try:
            parsed = phonenumbers.parse(self.number.strip('"'), "US")
        except phonenumbers.NumberParseException:
            return ""
        if not phonenumbers.is_possible_number(parsed):
            return ""
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    @property
    def display(self) -> str:
        from liaison.core.validators import format_phone

        number = format_phone(self.e164) if self.e164 else self.number.strip('"')
        return f"{number} x{self.extension}" if self.extension else number


class Schedule(models.Model):
    """An HSDS schedule (RRULE-like). Liaison reads weekly opening hours from freq/byday/opens_at/closes_at."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = _opt(Service, related_name="schedules")
    location = _opt(Location, related_name="schedules")
    service_at_location = _opt(ServiceAtLocation, related_name="schedules")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    timezone = models.FloatField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    count = models.IntegerField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(max_length=10, blank=True)
    interval = models.IntegerField(null=True, blank=True)
    byday = models.CharField(max_length=100, blank=True)
    byweekno = models.CharField(max_length=100, blank=True)
    bymonthday = models.CharField(max_length=100, blank=True)
    byyearday = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = models.CharField(max_length=500, blank=True)
    attending_type = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)

    def __str__(self):
        return self.description or f"{self.byday} {self.opens_at}-{self.closes_at}"


class Language(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = _opt(Service, related_name="languages")
    location = _opt(Location, related_name="languages")
    phone = _opt(Phone, related_name="languages")
    name = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=35, blank=True)
    note = models.TextField(blank=True)

    def __str__(self):
        return self.name or self.code


class ServiceArea(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.TextField(blank=True)
    description = models.TextField(blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=20, blank=True)
    uri = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return self.name


class CostOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    amount_description = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return self.option


class Attribute(models.Model):
    """A taxonomy term attached to any HSDS record (`link_entity` names its table)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    link_id = models.UUIDField(db_index=True)
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes"
    )
    link_type = models.CharField(max_length=100, blank=True)
    link_entity = models.CharField(max_length=50, blank=True)
    value = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["taxonomy_term", "link_entity"])]

    def __str__(self):
        return f"{self.link_entity} {self.link_id} → {self.taxonomy_term_id}"


class ServiceFeedback(models.Model):
    """What a family (through the portal) or a liaison on their behalf said about a service."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="feedback")
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_feedback",
    )
    helpful = models.BooleanField(_("was it helpful?"), null=True)
    comment = models.TextField(_("comment"), blank=True)
    language = models.CharField(max_length=35, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.service_id}: {self.comment[:40]}"


class HsdsImport(models.Model):
    """One import run: what it read, counts and the row-level problems, kept for the curators."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    counts = models.JSONField(default=dict)
    problems = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} @ {self.started_at:%Y-%m-%d %H:%M}"
