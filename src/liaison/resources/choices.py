"""Enumerations of the resources app: HSDS code lists and the referral status machine."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    INACTIVE = "inactive", _("inactive")
    DEFUNCT = "defunct", _("defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("temporarily closed")


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("physical")
    POSTAL = "postal", _("postal")
    VIRTUAL = "virtual", _("virtual")


class Cost(models.TextChoices):
    FREE = "free", _("Free")
    FEE = "fee", _("Fee")
    UNKNOWN = "", _("Not known")


class ReferralStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    SENT = "sent", _("Sent to the family")
    CONTACTED = "contacted", _("Family contacted the service")
    RECEIVING = "receiving", _("Receiving service")
    NEED_MET = "need_met", _("Closed: need met")
    NEED_NOT_MET = "need_not_met", _("Closed: need not met")
    DECLINED = "declined", _("Closed: declined")
    COULD_NOT_REACH = "could_not_reach", _("Closed: could not reach")


CLOSED = {
    ReferralStatus.NEED_MET,
    ReferralStatus.NEED_NOT_MET,
    ReferralStatus.DECLINED,
    ReferralStatus.COULD_NOT_REACH,
}
_OPEN = [
    ReferralStatus.SUGGESTED,
    ReferralStatus.SENT,
    ReferralStatus.CONTACTED,
    ReferralStatus.RECEIVING,
]
# Forward through the open steps (skipping is fine: a family may call the service the same day),
# or close from any open step. A closed referral stays closed: a new need is a new referral.
TRANSITIONS = {status: {s for s in _OPEN[i + 1 :]} | CLOSED for i, status in enumerate(_OPEN)} | {
    status: set() for status in CLOSED
}
