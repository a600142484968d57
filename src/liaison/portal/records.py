"""The portal's part of a family's record: each guardian's choices, remembered devices and sign-in
challenges."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from liaison.core import family_record
from liaison.people.models import Household
from liaison.portal.models import FamilyPreference, RememberedDevice, SignInChallenge


def export_household(household: Household) -> list[dict[str, object]]:
    """What the portal holds about a household: each guardian's choices and remembered devices."""
    out = []
    for pref in FamilyPreference.objects.filter(guardian__household=household).order_by("pk"):
        out.append(
            {
                "kind": "portal preferences",
                "guardian_id": pref.guardian_id,
                "quiet_hours_start": pref.quiet_hours_start.isoformat()
                if pref.quiet_hours_start
                else None,
                "quiet_hours_end": pref.quiet_hours_end.isoformat()
                if pref.quiet_hours_end
                else None,
                "opt_out_announcements": pref.opt_out_announcements,
                "opt_out_events": pref.opt_out_events,
                "opt_out_reminders": pref.opt_out_reminders,
                "updated_at": pref.updated_at.isoformat(),
            }
        )
    for device in RememberedDevice.objects.filter(guardian__household=household).order_by("pk"):
        out.append(
            {
                "kind": "remembered device",
                "guardian_id": device.guardian_id,
                "created_at": device.created_at.isoformat(),
                "expires_at": device.expires_at.isoformat(),
            }
        )
    return out


def erase_household(household: Household, *, keep_tombstone: bool = True) -> int:
    with transaction.atomic():
        n = FamilyPreference.objects.filter(guardian__household=household).delete()[0]
        n += RememberedDevice.objects.filter(guardian__household=household).delete()[0]
        n += SignInChallenge.objects.filter(guardian__household=household).delete()[0]
    return n


def register() -> None:
    family_record.register(
        section="portal",
        label=_("Family portal choices"),
        export=export_household,
        erase=erase_household,
    )
