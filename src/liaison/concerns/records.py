"""The concerns app's part of a family's record (FERPA export and erasure).

Confidential notes are left out of the export: they are the staff's working notes under the
restriction the district set, not part of the record handed to a family or a third party. A
concern about the member of staff producing the export is left out of their copy (the family asks
another member of staff for the whole record).
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.concerns.models import Concern, ConcernChange, ConcernNote, Contact, Reminder
from liaison.core import family_record
from liaison.core.policy import concerns as concern_policy


def _iso(value):
    return value.isoformat() if value else None


def export_household(household, viewer=None) -> list[dict]:
    """viewer: the staff member producing the export; a concern about them is left out."""
    out = []
    concerns = (
        Concern.objects.filter(household=household)
        .filter(concern_policy.not_about(viewer) if viewer is not None else Q())
        .select_related("category", "assignee", "guardian")
        .prefetch_related("students", "changes", "meetings__actions__owner", "meetings__guardians")
        .order_by("created_at")
    )
    notes = {}
    for note in ConcernNote.objects.filter(household=household, restricted=False).order_by(
        "created_at"
    ):
        notes.setdefault(note.concern_id, []).append(
            {"at": _iso(note.created_at), "author": str(note.author or ""), "note": note.body}
        )
    for c in concerns:
        out.append(
            {
                "type": "concern",
                "id": c.pk,
                "raised_at": _iso(c.created_at),
                "category": c.category.label,
                "source": c.source,
                "description": c.description,
                "language": c.language,
                "urgency": c.urgency,
                "status": c.status,
                "assigned_to": str(c.assignee or ""),
                "raised_by_guardian": c.guardian.full_name if c.guardian else "",
                "students": [s.full_name for s in c.students.all()],
                "due_at": _iso(c.due_at),
                "resolved_at": _iso(c.resolved_at),
                "outcome": c.outcome,
                "resolution_summary": c.resolution_summary,
                "satisfaction": c.satisfaction,
                "satisfaction_comment": c.satisfaction_comment,
                "notes": notes.get(c.pk, []),
                "history": [
                    {
                        "at": _iso(h.at),
                        "by": h.actor_display,
                        "action": h.action,
                        "field": h.field,
                        "old": h.old,
                        "new": h.new,
                        "parts": h.parts,
                    }
                    for h in c.changes.all()
                ],
                "meetings": [
                    {
                        "at": _iso(m.starts_at),
                        "place": m.place,
                        "language": m.language,
                        "family_participants": [g.full_name for g in m.guardians.all()],
                        "agenda": m.agenda,
                        "agreements": m.agreements,
                        "actions": [
                            {
                                "action": a.description,
                                "owner": str(a.owner),
                                "due_on": _iso(a.due_on),
                            }
                            for a in m.actions.all()
                        ],
                    }
                    for m in c.meetings.all()
                ],
            }
        )
    for contact in Contact.objects.filter(household=household).select_related("by", "guardian"):
        out.append(
            {
                "type": "contact",
                "id": contact.pk,
                "at": _iso(contact.at),
                "kind": contact.kind,
                "with": contact.guardian.full_name if contact.guardian else "",
                "duration_minutes": contact.duration_minutes,
                "purpose": contact.purpose,
                "outcome": contact.outcome,
                "language": contact.language,
                "next_step": contact.next_step,
                "follow_up_on": _iso(contact.follow_up_on),
                "by": str(contact.by or ""),
            }
        )
    return out


def erase_household(household, *, keep_tombstone=True) -> int:
    """Remove the household's concerns (with notes, history, meetings) and contact log."""
    with transaction.atomic():
        concerns = Concern.objects.filter(household=household)
        Reminder.objects.filter(concern__in=concerns).delete()
        count = concerns.count() + Contact.objects.filter(household=household).count()
        Contact.objects.filter(household=household).delete()
        for concern in concerns:
            concern.students.clear()
        concerns.delete()
    return count


def words(entry: dict) -> dict:
    """A history line of a concern in the reader's words: its action, the field that changed and
    the values before and after (stored as codes and parts, see ConcernChange)."""
    if not {"action", "field", "old", "new"} <= set(entry):
        return {}
    change = ConcernChange(
        action=entry["action"],
        field=entry["field"] or "",
        old=entry["old"] or "",
        new=entry["new"] or "",
        parts=entry.get("parts") or [],
    )
    said = change.action_display
    return {
        "action": said[:1].upper() + said[1:],
        "field": change.field_display,
        "old": change.old_display,
        "new": change.new_display,
    }


def register() -> None:
    family_record.register(
        section="concerns",
        export=export_household,
        erase=erase_household,
        label=_("Concerns and contact log"),
        takes_viewer=True,
        words=words,
    )
