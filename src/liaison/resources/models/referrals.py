"""Referrals: a household connected to a service for a need, followed until the need is met."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.models import TrackedModel
from liaison.resources.choices import CLOSED, ReferralStatus


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user):
        from liaison.people.models import Household

        return self.filter(household__in=Household.objects.visible_to(user))

    def open(self):
        return self.exclude(status__in=CLOSED)

    def follow_up_due(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(follow_up_on__lte=today, reminder_sent_at__isnull=True)


class Referral(TrackedModel):
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="referrals"
    )
    need = models.ForeignKey(
        "resources.TaxonomyTerm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name=_("need"),
    )
    service = models.ForeignKey(
        "resources.Service",
        null=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name=_("service"),
    )
    service_name = models.CharField(max_length=300)  # kept if the directory entry goes away
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SUGGESTED
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name=_("followed by"),
    )
    consent_given = models.BooleanField(_("the family agreed to this referral"), default=False)
    consent_note = models.CharField(_("how consent was given"), max_length=300, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    shared_data = models.BooleanField(
        _("we share the family's details with the service"),
        default=False,
        help_text=_(
            "Only with the family's consent: this is a disclosure to an outside organisation."
        ),
    )
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["household", "created_at"]),
            models.Index(fields=["follow_up_on", "reminder_sent_at"]),
            # insights reads what changed since its last run
            models.Index(fields=["updated_at"], name="referral_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(shared_data=False) | Q(consent_given=True),
                name="referral_sharing_needs_consent",
                violation_error_message=_("Share the family's details only with their consent."),
            )
        ]

    def __str__(self):
        return f"{self.service_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("resources:referral", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


class ReferralEvent(models.Model):
    """Each status change, with who made it and why: the referral's history and timeline entries."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    household_id_copy = models.BigIntegerField(db_column="household_id", db_index=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["household_id_copy", "at"], name="refevent_household_at")]

    def __str__(self):
        return f"{self.referral_id} {self.status}"


class UnmetNeed(TrackedModel):
    """A need for which the directory had no service: counted for advocacy, shown to the liaison."""

    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="unmet_needs"
    )
    need = models.ForeignKey(
        "resources.TaxonomyTerm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unmet_needs",
        verbose_name=_("need"),
    )
    description = models.TextField(_("what the family needs"))
    searched_for = models.CharField(max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["updated_at"], name="unmet_need_updated")]  # insights

    def __str__(self):
        return self.description[:60]
