"""The people part of a family's record (household, guardians, students), for export and erasure.

Erasing this section erases the family itself: it runs after every other section.
"""

from django.utils.translation import gettext_lazy as _

from liaison.core import family_record
from liaison.people.models import GuardianStudent, Student


def _iso(value):
    return value.isoformat() if value else None


def export(household) -> list[dict]:
    guardians = household.guardians.order_by("pk")
    students = (
        Student.objects.filter(household=household)
        .prefetch_related("enrolments__site", "programmes", "guardian_links")
        .order_by("pk")
    )
    entry = {
        "kind": "household",
        "id": household.pk,
        "name": household.name,
        "home_languages": household.home_languages,
        "address": household.address_lines,
        "notes": household.notes,
        "active": household.is_active,
        "created_at": _iso(household.created_at),
        "guardians": [
            {
                "id": g.pk,
                "given_name": g.given_name,
                "family_name": g.family_name,
                "preferred_name": g.preferred_name,
                "relationship": g.relationship,
                "preferred_language": g.preferred_language,
                "phone": g.phone,
                "alt_phone": g.alt_phone,
                "email": g.email,
                "alt_email": g.alt_email,
                "preferred_channels": g.preferred_channels,
                # The restriction itself is the family's to know; its reason (a court order's
                # details, another parent's safety) is not released with the record.
                "contact_restricted": g.contact_restricted,
                "active": g.is_active,
            }
            for g in guardians
        ],
        "students": [
            {
                "id": s.pk,
                "given_name": s.given_name,
                "family_name": s.family_name,
                "preferred_name": s.preferred_name,
                "date_of_birth": _iso(s.date_of_birth),
                "grade": s.grade,
                "active": s.is_active,
                "programmes": [p.programme for p in s.programmes.all()],
                "enrolments": [
                    {
                        "site": e.site.name,
                        "from": _iso(e.starts_on),
                        "until": _iso(e.ends_on),
                        "active": e.is_active,
                    }
                    for e in s.enrolments.all()
                ],
                "guardian_ids": [link.guardian_id for link in s.guardian_links.all()],
            }
            for s in students
        ],
    }
    return [entry]


def erase(household, *, keep_tombstone=True) -> int:
    """Delete the household, its guardians and students (links, enrolments, programmes, caseload
    entries and search terms go with them)."""
    students = Student.objects.filter(household=household)
    count = students.count() + household.guardians.count() + 1
    GuardianStudent.objects.filter(guardian__household=household).delete()
    students.delete()
    household.guardians.all().delete()
    household.delete()
    return count


def register() -> None:
    family_record.register(
        section="people",
        export=export,
        erase=erase,
        label=_("Household, guardians and students"),
    )
