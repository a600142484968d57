"""The resources app's part of a family's record: referrals, unmet needs and service feedback."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from liaison.core import family_record, kept


def export_household(household) -> list[dict]:
    """Referrals, unmet needs and feedback of one household (FERPA record on request)."""
    out = []
    for r in household.referrals.prefetch_related("events").order_by("created_at"):
        out.append(
            {
                "type": "referral",
                "service": r.service_name,
                "need": r.need.name if r.need_id else "",
                "status": r.status,
                "consent_given": r.consent_given,
                "consent_note": r.consent_note,
                "shared_data": r.shared_data,
                "follow_up_on": r.follow_up_on.isoformat() if r.follow_up_on else None,
                "outcome_note": r.outcome_note,
                "created_at": r.created_at.isoformat(),
                "history": [
                    {"status": e.status, "at": e.at.isoformat(), "note": e.note}
                    for e in r.events.all()
                ],
            }
        )
    for n in household.unmet_needs.order_by("created_at"):
        out.append(
            {
                "type": "unmet_need",
                "description": n.description,
                "created_at": n.created_at.isoformat(),
            }
        )
    for f in household.service_feedback.select_related("service").order_by("created_at"):
        out.append(
            {
                "type": "service_feedback",
                "service": f.service.name,
                "helpful": f.helpful,
                "comment": f.comment,
                "created_at": f.created_at.isoformat(),
            }
        )
    return out


def erase_household(household, *, keep_tombstone: bool = True) -> int:
    count = 0
    with transaction.atomic():
        count += household.referrals.count() + household.unmet_needs.count()
        count += household.service_feedback.count()
        household.referrals.all().delete()
        household.unmet_needs.all().delete()
        household.service_feedback.all().delete()
        # Bulk deletes send no signal: the kept parts that show them (the caseload's open
        # referrals, the family's page) are told (core/kept.py).
        for model in ("resources.Referral", "resources.UnmetNeed", "resources.ServiceFeedback"):
            kept.changed(household.district_id, table=model, households=[household.pk])
    return count


def register() -> None:
    family_record.register(
        section="referrals",
        export=export_household,
        erase=erase_household,
        label=_("Referrals and resources"),
    )
