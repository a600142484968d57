"""Access log, disclosure record, retention policies, legal holds, erasure tombstones, used links.

The access log and the disclosure record are append-only: no edit or delete, through the app or
the admin. When a household is erased, its rows here keep who, when, what kind and which ids, and
an ErasureTombstone says when and why the family's data went.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.audit.choices import DisclosureChannel, ErasureCause, LegalBasis
from liaison.core.dates import local_date, local_datetime


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} is append-only.")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} is append-only.")


class AccessLogQuerySet(AppendOnlyQuerySet):
    def for_household(self, household_id):
        return self.filter(household_id=household_id)


class AccessLog(AppendOnlyModel):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("household")
        GUARDIAN = "guardian", _("guardian")
        STUDENT = "student", _("student")
        CONCERN = "concern", _("concern")
        REFERRAL = "referral", _("referral")
        EXPORT = "export", _("export")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)  # kept when the account is gone
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    household_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=40, default="view")
    path = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["kind", "object_id"]),
            # The leaders' break-the-glass page: a few rows among millions of views.
            models.Index(
                fields=["-at"], name="accesslog_break_glass", condition=Q(action="break_glass")
            ),
        ]

    def __str__(self):
        return f"{local_datetime(self.at)} {self.username} {self.action} {self.get_kind_display()} {self.object_id}"


class DisclosureQuerySet(AppendOnlyQuerySet):
    def for_household(self, household_id: int) -> "DisclosureQuerySet":
        return self.filter(household_id=household_id)

    def for_student(self, student_id: int) -> "DisclosureQuerySet":
        return self.filter(students__student_id=student_id).distinct()


class Disclosure(AppendOnlyModel):
    """A disclosure of a family's record outside the school (FERPA 34 CFR 99.32)."""

    at = models.DateTimeField(_("disclosed at"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_username = models.CharField(max_length=150, blank=True)
    district_id = models.BigIntegerField(null=True)
    household_id = models.BigIntegerField(null=True, db_index=True)
    recipient = models.CharField(_("recipient"), max_length=300)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    channel = models.CharField(
        _("how"), max_length=32, choices=DisclosureChannel.choices, default=DisclosureChannel.OTHER
    )
    records = models.CharField(
        _("what was disclosed"), max_length=500, blank=True, help_text=_("e.g. name, phone, grade")
    )
    source = models.CharField(max_length=100, blank=True)  # e.g. "resources.referral:42"

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{local_date(self.at)} → {self.recipient}"


class DisclosedStudent(models.Model):
    """Which students a disclosure was about (ids, so the record outlives an erasure)."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="students")
    student_id = models.BigIntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "student_id"], name="disclosed_student_unique"
            )
        ]

    def __str__(self):
        return f"{self.disclosure_id}:{self.student_id}"


class RetentionPolicy(models.Model):
    """How long a district keeps one section of a family's record after the family leaves.

    `section` names a section registered with liaison.core.family_record ("people" is the family itself:
    erasing it erases everything).
    """

    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="retention_policies"
    )
    section = models.CharField(_("record section"), max_length=50)
    years_after_leaving = models.PositiveSmallIntegerField(
        _("years after the last child leaves"), validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name_plural = _("retention policies")
        constraints = [
            models.UniqueConstraint(fields=["district", "section"], name="retention_unique"),
            models.CheckConstraint(
                condition=Q(years_after_leaving__gte=1), name="retention_at_least_a_year"
            ),
        ]

    def __str__(self):
        return f"{self.district}: {self.section} {self.years_after_leaving}y"


class LegalHoldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(released_at__isnull=True)


class LegalHold(models.Model):
    """While a hold is active, nothing of the household is erased, by request or by retention."""

    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    def __str__(self):
        return f"hold on {self.household_id}"


class ErasureTombstone(AppendOnlyModel):
    """What is left of an erased household (or section): ids, when, why, who — no personal data."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    household_id = models.BigIntegerField(db_index=True)
    district_id = models.BigIntegerField(null=True)
    student_ids = models.JSONField(default=list)
    guardian_ids = models.JSONField(default=list)
    sections = models.JSONField(default=dict)  # section -> rows erased
    cause = models.CharField(max_length=16, choices=ErasureCause.choices)
    by_username = models.CharField(max_length=150, blank=True)
    whole_household = models.BooleanField(default=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"erased household {self.household_id} ({self.cause})"


class UsedLink(models.Model):
    """Single-use signed links (liaison.core.links) already used: a token is refused the second time."""

    digest = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=100)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.purpose} {local_datetime(self.used_at)}"
