"""The words of a family's readable record (record.pdf): its headings, the names of what each
section holds, and what each entry is, in any language whose catalog has them all.

record.json keeps the keys and codes for machines; the PDF is for the family, who reads it in
their language when Liaison has it. The words are marked here and translated when the PDF is
written (under translation.override), so a catalog that gains them all makes its language one
the export offers, with no other change.
"""

import functools

from django.conf import settings
from django.utils.translation import gettext_noop as noop
from django.utils.translation import trans_real

TITLE = noop("Family record: %(name)s")
MADE = noop("Written on %(when)s")
DISCLOSURES = noop("Disclosures of this record")
DISCLOSED = noop("%(when)s: to %(recipient)s. Purpose: %(purpose)s (%(basis)s)")
OPENED = noop("Who opened this record")
NOTHING = noop("Nothing recorded")

# What each section's entries hold, by the key record.json gives it.
KEYS = {
    "accepted": noop("Accepted"),
    "action": noop("Action"),
    "actions": noop("Actions"),
    "active": noop("Active"),
    "address": noop("Address"),
    "agenda": noop("Agenda"),
    "agreements": noop("Agreements"),
    "alt_email": noop("Other email"),
    "alt_phone": noop("Other phone"),
    "answer": noop("Answer"),
    "assigned_to": noop("Assigned to"),
    "at": noop("When"),
    "author": noop("Written by"),
    "body": noop("Message"),
    "by": noop("By"),
    "category": noop("Category"),
    "channel": noop("Channel"),
    "checked_in_at": noop("Checked in"),
    "checked_in_count": noop("People checked in"),
    "childcare_ages": noop("Ages of the children for childcare"),
    "comment": noop("Comment"),
    "consent_given": noop("Consent given"),
    "consent_note": noop("About the consent"),
    "contact_restricted": noop("Contact restricted"),
    "created_at": noop("Created on"),
    "date_of_birth": noop("Date of birth"),
    "deliveries": noop("Deliveries"),
    "description": noop("Description"),
    "detected_language": noop("Language it was written in"),
    "direction": noop("Direction"),
    "done_at": noop("Done"),
    "due_at": noop("Due"),
    "due_on": noop("Due"),
    "duration_minutes": noop("Length in minutes"),
    "email": noop("Email"),
    "enrolments": noop("Enrolments"),
    "event": noop("Event"),
    "expires_at": noop("Expires"),
    "family_name": noop("Family name"),
    "family_participants": noop("Family members present"),
    "field": noop("What changed"),
    "follow_up_on": noop("Follow-up on"),
    "from": noop("From"),
    "given_name": noop("Given name"),
    "grade": noop("Grade"),
    "group": noop("Group"),
    "guardian": noop("Guardian"),
    "guardian_id": noop("Guardian"),
    "guardians": noop("Guardians"),
    "helpful": noop("Helpful"),
    "history": noop("History"),
    "home_languages": noop("Home languages"),
    "interpreter": noop("Interpreter"),
    "interpreter_language": noop("Interpreter's language"),
    "kind": noop("Kind"),
    "language": noop("Language"),
    "meetings": noop("Meetings"),
    "mode": noop("How"),
    "name": noop("Name"),
    "need": noop("Need"),
    "needs_transport": noop("Needs transport"),
    "new": noop("After"),
    "next_step": noop("Next step"),
    "note": noop("Note"),
    "notes": noop("Notes"),
    "old": noop("Before"),
    "opt_out_announcements": noop("No announcements"),
    "opt_out_events": noop("No event invitations"),
    "opt_out_reminders": noop("No reminders"),
    "outcome": noop("Outcome"),
    "outcome_note": noop("About the outcome"),
    "owner": noop("Responsible"),
    "party_size": noop("Party size"),
    "phone": noop("Phone"),
    "place": noop("Place"),
    "preferred_channels": noop("Preferred channels"),
    "preferred_language": noop("Preferred language"),
    "preferred_name": noop("Preferred name"),
    "programmes": noop("Programmes"),
    "purpose": noop("Purpose"),
    "quiet_hours_end": noop("Quiet hours end"),
    "quiet_hours_start": noop("Quiet hours start"),
    "raised_at": noop("Raised"),
    "raised_by_guardian": noop("Raised by"),
    "relationship": noop("Relationship"),
    "resolution": noop("Resolution"),
    "resolution_summary": noop("How it was resolved"),
    "resolved_at": noop("Resolved"),
    "role": noop("Role"),
    "satisfaction": noop("Satisfaction"),
    "satisfaction_comment": noop("About the satisfaction"),
    "seat": noop("Seat"),
    "sent_at": noop("Sent"),
    "service": noop("Service"),
    "shared_data": noop("Information shared"),
    "site": noop("School"),
    "snoozed_until": noop("Set aside until"),
    "source": noop("Source"),
    "starts_at": noop("Starts"),
    "state": noop("State"),
    "status": noop("Status"),
    "students": noop("Students"),
    "subject": noop("Subject"),
    "task": noop("Task"),
    "teacher": noop("Teacher"),
    "type": noop("What it is"),
    "until": noop("Until"),
    "updated_at": noop("Updated"),
    "urgency": noop("Urgency"),
    "with": noop("With"),
}

# What an entry is, by its "type" or "kind" in record.json (codes of the records themselves, not
# of a model's choices, which name themselves).
ENTRIES = {
    "household": noop("Household"),
    "concern": noop("Concern"),
    "contact": noop("Contact"),
    "invitation": noop("Invitation"),
    "conference": noop("Conference"),
    "group": noop("Group"),
    "referral": noop("Referral"),
    "unmet_need": noop("Unmet need"),
    "service_feedback": noop("What the family said about a service"),
    "task": noop("Task"),
    "didnt_understand": noop("Did not understand a message"),
    "language_suggestion": noop("Language suggestion"),
    "interpreter_request": noop("Interpreter request"),
    "portal preferences": noop("Portal preferences"),
    "remembered device": noop("Remembered device"),
}

# What a person did with the record, by the access log's action.
OPENINGS = {
    "view": noop("opened it"),
    "view_concerns": noop("read the concerns"),
    "view_contacts": noop("read the contact details"),
    "messages": noop("read the messages"),
    "attachment": noop("opened an attachment"),
    "resources": noop("looked up resources for the family"),
    "break_glass": noop("opened it outside their caseload, giving a reason"),
    "export": noop("exported it"),
    "erase": noop("erased it"),
}

WORDS = (
    TITLE,
    MADE,
    DISCLOSURES,
    DISCLOSED,
    OPENED,
    NOTHING,
    *KEYS.values(),
    *ENTRIES.values(),
    *OPENINGS.values(),
)


@functools.cache
def pdf_languages() -> tuple[str, ...]:
    """The languages the readable record can be written in: English, and each of the site's
    languages whose catalog has every word of it."""
    out = ["en"]
    for code, _name in settings.LANGUAGES:
        if code == "en":
            continue
        catalog = trans_real.translation(code)._catalog  # type: ignore[attr-defined]
        if catalog is not None and all(word in catalog for word in WORDS):
            out.append(code)
    return tuple(out)
