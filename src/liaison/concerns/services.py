"""Business operations on concerns, notes, meetings and the contact log. Other apps call these.

Every function validates, writes in one transaction, records the change on the concern's history,
and returns what it made. Errors a person can fix are raised as ValidationError with a message.
"""

import datetime as dt
import logging
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from liaison.concerns.choices import (
    ABOUT_STAFF_CATEGORIES,
    CLOSE_NEEDS_OUTCOME,
    DEFAULT_CATEGORIES,
    DEFAULT_TARGET_HOURS,
    FAMILY_CATEGORY_WORDS,
    OPEN_STATUSES,
    PRESSING_URGENCIES,
    SATISFACTION_KEYWORDS,
    TRANSITIONS,
    ClosedReason,
    ReminderKind,
    Satisfaction,
    Source,
    Status,
    Urgency,
    default_triage,
    is_standard_label,
)
from liaison.concerns.models import (
    Concern,
    ConcernCategory,
    ConcernChange,
    ConcernNote,
    Contact,
    FollowUpAction,
    MediationMeeting,
    Reminder,
    ServiceTarget,
    part,
)
from liaison.core import live
from liaison.core.dates import local_date, local_datetime
from liaison.core.policy import concerns as concern_policy
from liaison.language.fields import FieldText, translate_fields, translate_text
from liaison.language.rendering import ORIGINAL
from liaison.language.wordings import Wording, register_wording, wording_context
from liaison.messaging import services as messaging_services
from liaison.messaging import staff as staff_notices
from liaison.messaging.models import Delivery
from liaison.worklist import services as worklist

log = logging.getLogger(__name__)


# --- district settings ---------------------------------------------------------------------


def ensure_district_defaults(district) -> None:
    """Give a district the standard categories and service targets (idempotent).

    Labels are stored in English whoever is signed in: a standard label is shown in each reader's
    language (ConcernCategory.display_label) until the district renames it."""
    with translation.override("en"):
        categories = [
            ConcernCategory(
                district=district,
                code=code,
                label=str(label),
                order=i * 10,
                about_staff=code in ABOUT_STAFF_CATEGORIES,
                urgency=default_triage(code)[0],
                due_school_days=default_triage(code)[1],
            )
            for i, (code, label) in enumerate(DEFAULT_CATEGORIES)
        ]
    ConcernCategory.objects.bulk_create(categories, ignore_conflicts=True)
    ServiceTarget.objects.bulk_create(
        [
            ServiceTarget(district=district, urgency=urgency, hours=hours)
            for urgency, hours in DEFAULT_TARGET_HOURS.items()
        ],
        ignore_conflicts=True,
    )


def target_hours(district, urgency) -> int:
    hours = (
        ServiceTarget.objects.filter(district=district, urgency=urgency)
        .values_list("hours", flat=True)
        .first()
    )
    return hours or DEFAULT_TARGET_HOURS[Urgency(urgency)]


def due_at_for(district, urgency, start=None) -> dt.datetime:
    return (start or timezone.now()) + dt.timedelta(hours=target_hours(district, urgency))


# A due date in school days falls at the end of that school day, in the family's school's zone.
SCHOOL_DAY_ENDS = dt.time(17, 0)


def school_days_after(start: dt.datetime, days: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The end of the `days`-th school day after `start`'s day (weekends skipped): a concern raised
    on Friday or Saturday with one school day is due on Monday."""
    day = start.astimezone(zone).date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return dt.datetime.combine(day, SCHOOL_DAY_ENDS, tzinfo=zone)


def household_zone(household) -> zoneinfo.ZoneInfo:
    if household.site_id:
        return household.site.zone
    return zoneinfo.ZoneInfo(household.district.time_zone)


def triage(*, category: ConcernCategory, household, start: dt.datetime) -> tuple[str, dt.datetime]:
    """(urgency, due) the district's table gives a concern of this category raised at `start`."""
    urgency = category.urgency or Urgency.NORMAL
    if category.due_school_days:
        return urgency, school_days_after(
            start, category.due_school_days, household_zone(household)
        )
    return urgency, due_at_for(household.district, urgency, start)


def _category(district, category) -> ConcernCategory:
    if isinstance(category, ConcernCategory):
        if category.district_id != district.pk:
            raise ValidationError({"category": _("Choose a category of this district.")})
        return category
    ensure_district_defaults(district)
    found = ConcernCategory.objects.filter(district=district, code=category, is_active=True).first()
    if found is None:
        raise ValidationError({"category": _("Unknown category “%(c)s”.") % {"c": category}})
    return found


# --- history ------------------------------------------------------------------------------


def _actor_name(by, guardian=None) -> str:
    if by is not None:
        return str(by)
    if guardian is not None:
        return _("%(name)s (family)") % {"name": guardian.full_name}
    return ""  # the system (a reminder, a scheduled task): named in the reader's language


def concerns_changed(district_id: int, *concern_ids: int) -> None:
    """Open pages showing these concerns, and the district's queues, refresh once the transaction
    commits (core/live.py): "concern:<id>", "concerns:<district>" (and "concerns:all", the queues
    of those who see every district)."""
    live.changed(
        *(f"concern:{pk}" for pk in concern_ids), f"concerns:{district_id}", "concerns:all"
    )


def _log(concern, *, by, action, field="", old="", new="", parts=(), guardian=None, at=None):
    """Every change to a concern is logged here (what a page shows of it changed with it). A
    choice's old and new values are stored as its value ("waiting_family"), shown in the reader's
    language (ConcernChange.VALUES): stored as words, they stayed in the language of whoever made
    the change."""
    concerns_changed(concern.district_id, concern.pk)
    return ConcernChange.objects.create(
        concern=concern,
        at=at or timezone.now(),
        by=by,
        by_name=_actor_name(by, guardian)[:150],
        action=action,
        field=field,
        old=str(old or ""),
        new=str(new or ""),
        parts=list(parts),
    )


# --- concerns -----------------------------------------------------------------------------


def raise_concern(
    *,
    household,
    category,
    description: str,
    source: str,
    raised_by=None,
    guardian=None,
    students=(),
    language: str | None = None,
    urgency: str | None = None,
    contact_preference: str = "",
    assignee=None,
    source_message_id: int | None = None,
    subject_staff=None,
) -> Concern:
    """Open a concern for a household. The family portal calls this with raised_by=None, guardian set.

    category: a ConcernCategory of the household's district, or its code ("bullying_safety").
    urgency: chosen by staff, the due date then follows the district's service target for it; None
    (a family's concern) takes urgency and due date from the district's triage table (the category).
    A concern from the family (portal, message) with nobody assigned goes to the family's liaison,
    else to the least loaded liaison of their children's schools (route_to_liaison).
    subject_staff: the member of staff the concern is about, if the family or staff name one; they
    never see it. A concern about staff is routed by route_about_staff (assignee, leaders told).
    High and urgent concerns are told at once to their assignee and the site leaders.
    """
    district = household.district
    errors = {}
    if not (description or "").strip():
        errors["description"] = _("Describe the concern.")
    if source not in Source.values:
        errors["source"] = _("Unknown source.")
    if urgency is not None and urgency not in Urgency.values:
        errors["urgency"] = _("Unknown urgency.")
    if guardian is not None and guardian.household_id != household.pk:
        errors["guardian"] = _("This guardian is not in the household.")
    students = list(students)
    if any(s.household_id != household.pk for s in students):
        errors["students"] = _("Choose children of this household.")
    if subject_staff is not None and not _is_staff_of(subject_staff, district):
        errors["subject_staff"] = _("Choose a member of staff of this district.")
    if subject_staff is not None and assignee is not None and assignee.pk == subject_staff.pk:
        errors["assignee"] = _("A concern about someone cannot be assigned to them.")
    if errors:
        raise ValidationError(errors)
    category = _category(district, category)
    if language is None:
        language = (
            guardian.preferred_language if guardian is not None else household.primary_language
        )
    with transaction.atomic():
        now = timezone.now()
        if urgency is None:
            urgency, due_at = triage(category=category, household=household, start=now)
        else:
            due_at = due_at_for(district, urgency, now)
        concern = Concern.objects.create(
            district=district,
            household=household,
            guardian=guardian,
            raised_by=raised_by,
            category=category,
            source=source,
            description=description.strip(),
            language=language,
            urgency=urgency,
            contact_preference=contact_preference,
            due_at=due_at,
            source_message_id=source_message_id,
            subject_staff=subject_staff,
            created_at=now,
            created_by=raised_by,
        )
        if students:
            concern.students.set(students)
        _log(
            concern,
            by=raised_by,
            guardian=guardian,
            action="raised",
            new=f"{category.label} · {Urgency(urgency).label} · {Source(source).label}",
            parts=[
                part("category", [category.code, category.label]),
                part("urgency", str(urgency)),
                part("source", str(source)),
            ],
            at=now,
        )
        if assignee is not None:
            assign_concern(concern=concern, assignee=assignee, by=raised_by)
        if concern.is_about_staff:
            route_about_staff(concern=concern, by=raised_by)
        elif assignee is None and source in FAMILY_SOURCES:
            route_to_liaison(concern=concern)
        if urgency in PRESSING_URGENCIES:
            concern.refresh_from_db(fields=["assignee", "status"])
            tell_pressing_concern(concern=concern, raised_by=raised_by)
    return concern


# Concerns that come from the family themselves (the portal, a text or an email made a concern):
# routed to their liaison when nobody is named.
FAMILY_SOURCES = frozenset({Source.PORTAL, Source.MESSAGE})


def route_to_liaison(*, concern):
    """Give a family's concern to their liaison: the household's caseload liaison, else the least
    loaded liaison of their children's schools (fewest open concerns, then the longest-serving
    account). Returns the assignee, or None when the schools have no liaison (the concern waits
    in the team's "Unassigned" queue)."""
    from django.db.models import Count, Q

    from liaison.people.choices import AssignmentRole, Role
    from liaison.people.models import HouseholdAssignment

    assignment = (
        HouseholdAssignment.objects.current()
        .filter(household_id=concern.household_id, role=AssignmentRole.LIAISON)
        .filter(staff__is_active=True)
        .exclude(staff_id=concern.subject_staff_id)
        .select_related("staff")
        .order_by("started_on", "pk")
        .first()
    )
    liaison = assignment.staff if assignment is not None else None
    if liaison is None:
        liaison = (
            _staff_with(Role.LIAISON, site_id__in=_household_site_ids(concern.household))
            .exclude(pk=concern.subject_staff_id)
            .annotate(
                load=Count(
                    "assigned_concerns",
                    filter=Q(assigned_concerns__status__in=OPEN_STATUSES),
                    distinct=True,
                )
            )
            .order_by("load", "pk")
            .first()
        )
    if liaison is None:
        return None
    assign_concern(concern=concern, assignee=liaison, by=None)
    return liaison


def _pressing_recipients(concern, raised_by) -> list:
    """Who hears of a high or urgent concern at once: its assignee and the leaders of the family's
    schools (the district admins when the schools have none); never the person it is about nor the
    one who raised it. A concern about staff has told its leaders already (route_about_staff)."""
    from liaison.people.choices import Role

    ids = []
    if concern.assignee_id is not None:
        ids.append(concern.assignee_id)
    if not concern.is_about_staff:
        leaders = _staff_with(Role.SITE_LEADER, site_id__in=_household_site_ids(concern.household))
        if not leaders.exists():
            leaders = _staff_with(Role.DISTRICT_ADMIN, district_id=concern.district_id)
        ids += list(leaders.values_list("pk", flat=True))
    skip = {concern.subject_staff_id, getattr(raised_by, "pk", None)}
    return [pk for pk in dict.fromkeys(ids) if pk not in skip]


def tell_pressing_concern(*, concern, raised_by=None) -> list[int]:
    """Tell the assignee and the site leaders of a high or urgent concern, once (each notice is
    keyed by concern and person), as soon as the concern is saved. Returns who will be told."""
    ids = _pressing_recipients(concern, raised_by)
    if ids:
        transaction.on_commit(lambda: _send_pressing_notices(concern.pk, ids))
    return ids


def _send_pressing_notices(concern_pk, user_ids) -> None:
    from django.conf import settings

    from liaison.people.models import User

    concern = Concern.objects.select_related(
        "household__site", "household__district", "category", "assignee"
    ).get(pk=concern_pk)
    base = settings.PUBLIC_URL
    zone = household_zone(concern.household)
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        if concern_policy.is_subject(user, concern):
            continue
        with translation.override(user.interface_language or settings.LANGUAGE_CODE):
            due = formats.date_format(concern.due_at.astimezone(zone), "DATETIME_FORMAT")
            notify_staff(
                user,
                district=concern.district_id,
                subject=_("%(urgency)s concern: %(household)s")
                % {"urgency": Urgency(concern.urgency).label, "household": concern.household},
                # A line each, no full stop after the date ("10:00 a.m." has its own).
                body=_(
                    "%(household)s raised a concern (%(category)s).\nUrgency: %(urgency)s\n"
                    "Due: %(due)s\nAssigned to: %(assignee)s\n%(url)s"
                )
                % {
                    "household": concern.household,
                    "category": concern.category.display_label,
                    "urgency": Urgency(concern.urgency).label,
                    "due": due,
                    "assignee": concern.assignee or _("the site team (unassigned)"),
                    "url": base + concern.get_absolute_url(),
                },
                key=f"concern-pressing-{concern.pk}-{user.pk}",
            )
    staff_notices.send_now()


def _is_staff_of(user, district) -> bool:
    return user.is_active and user.memberships.filter(district=district, is_active=True).exists()


def _household_site_ids(household) -> set[int]:
    from liaison.people.models import Enrolment

    ids = set(
        Enrolment.objects.filter(student__household=household, is_active=True).values_list(
            "site_id", flat=True
        )
    )
    if household.site_id:
        ids.add(household.site_id)
    return ids


def _staff_with(role, **membership):
    from liaison.people.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=role,
            **{f"memberships__{k}": v for k, v in membership.items()},
        )
        .distinct()
        .order_by("pk")
    )


def staff_the_family_knows(household) -> list:
    """The staff a family may name as the one their concern is about: their children's teachers,
    the leaders of their children's schools and their liaison (the portal shows names only)."""
    from liaison.people.choices import AssignmentRole, Role
    from liaison.people.models import HouseholdAssignment, User

    teachers = User.objects.filter(
        is_active=True,
        class_sections__is_active=True,
        class_sections__students__household=household,
        class_sections__students__is_active=True,
    )
    leaders = _staff_with(Role.SITE_LEADER, site_id__in=_household_site_ids(household))
    liaisons = User.objects.filter(
        is_active=True,
        pk__in=HouseholdAssignment.objects.current()
        .filter(household=household, role=AssignmentRole.LIAISON)
        .values("staff_id"),
    )
    return list(
        User.objects.filter(
            pk__in=[
                *teachers.values_list("pk", flat=True),
                *leaders.values_list("pk", flat=True),
                *liaisons.values_list("pk", flat=True),
            ]
        ).order_by("last_name", "first_name", "username")
    )


def route_about_staff(*, concern, by) -> list:
    """Send a concern about a member of staff to those who may handle it; returns who was told.

    It goes to the family's liaison (their caseload liaison, unless that is the person it is about;
    with none it waits in the site liaison team's "unassigned" queue) and the site leaders are
    told; when it is about a site leader of the family's schools, the district admins are told
    instead. The person it is about is never the assignee nor told.
    """
    from liaison.people.choices import AssignmentRole, Role
    from liaison.people.models import HouseholdAssignment

    subject_id = concern.subject_staff_id
    if concern.assignee_id is None:
        liaison = (
            HouseholdAssignment.objects.current()
            .filter(household_id=concern.household_id, role=AssignmentRole.LIAISON)
            .exclude(staff_id=subject_id)
            .filter(staff__is_active=True)
            .select_related("staff")
            .order_by("started_on", "pk")
            .first()
        )
        if liaison is not None and concern_policy.may_be_assigned(liaison.staff, concern):
            assign_concern(concern=concern, assignee=liaison.staff, by=by)
    leaders = _staff_with(Role.SITE_LEADER, site_id__in=_household_site_ids(concern.household))
    admins = _staff_with(Role.DISTRICT_ADMIN, district_id=concern.district_id)
    if subject_id is not None and leaders.filter(pk=subject_id).exists():
        told = admins
    else:
        told = leaders if leaders.exists() else admins
    told = list(told.exclude(pk=subject_id) if subject_id else told)
    ids = [user.pk for user in told]
    transaction.on_commit(lambda: _tell_about_staff_concern(concern.pk, ids))
    return told


def _tell_about_staff_concern(concern_pk, user_ids) -> None:
    from django.conf import settings

    from liaison.people.models import User

    concern = Concern.objects.select_related("household", "category").get(pk=concern_pk)
    base = settings.PUBLIC_URL
    for user in User.objects.filter(pk__in=user_ids):
        if concern_policy.is_subject(user, concern):  # named after routing: still never told
            continue
        # In the reader's language, not that of the request that raised it (often a family's).
        with translation.override(user.interface_language or settings.LANGUAGE_CODE):
            notify_staff(
                user,
                district=concern.district_id,
                subject=_("Concern about a member of staff: %(household)s")
                % {"household": concern.household},
                body=_(
                    "%(household)s raised a concern (%(category)s) about a member of staff. It is "
                    "kept from the person it is about.\n%(url)s"
                )
                % {
                    "household": concern.household,
                    "category": concern.category.display_label,
                    "url": base + concern.get_absolute_url(),
                },
                key=f"concern-about-staff-{concern.pk}-{user.pk}",
            )
    # Told at once, not at the worker's next pass; what cannot go now stays in the outbox.
    staff_notices.send_now()


def raise_concern_from_message(
    *, message, by, category="other", urgency=None, students=(), assignee=None
) -> Concern:
    """Turn a family's message (messaging.Message) into a concern in one step.

    The description is the message in the family's words and language; a message becomes at most
    one concern (the second call returns the first concern). Without an urgency it takes the
    district's table's for the category; without an assignee it goes to the family's liaison.
    """
    existing = Concern.objects.filter(source_message_id=message.pk).first()
    if existing is not None:
        return existing
    household = message.conversation.household
    try:
        return raise_concern(
            household=household,
            category=category,
            description=message.body,
            source=Source.MESSAGE,
            raised_by=by,
            guardian=getattr(message, "guardian", None),
            students=students,
            language=getattr(message, "source_language", None) or household.primary_language,
            urgency=urgency,
            source_message_id=message.pk,
            assignee=assignee,
        )
    except IntegrityError:
        return Concern.objects.get(source_message_id=message.pk)


def assign_concern(*, concern, assignee, by) -> Concern:
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": _("This account is not active.")})
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        if not concern_policy.may_be_assigned(assignee, concern):
            raise ValidationError(
                {"assignee": _("A concern about someone cannot be assigned to them.")}
            )
        old = concern.assignee
        if old == assignee:
            return concern
        concern.assignee = assignee
        fields = ["assignee"]
        _log(concern, by=by, action="assigned", field="assignee", old=old or "", new=assignee)
        if concern.status == Status.NEW and assignee is not None:
            concern.status = Status.ASSIGNED
            fields.append("status")
            _log(
                concern,
                by=by,
                action="status",
                field="status",
                old=Status.NEW.value,
                new=Status.ASSIGNED.value,
            )
        concern.save(update_fields=fields)
    return concern


def transition_refusal(concern, status, *, resolution_summary="") -> str | None:
    """Why a concern may not move to `status` now, or None when it may."""
    if status not in Status.values:
        return _("Unknown status.")
    current = Status(concern.status)
    if status == current:
        return _("The concern is already “%(s)s”.") % {"s": current.label}
    if status not in TRANSITIONS[current]:
        allowed = ", ".join(str(Status(s).label) for s in sorted(TRANSITIONS[current]))
        return _(
            "A concern that is “%(from)s” cannot become “%(to)s”; it can become: %(allowed)s."
        ) % {
            "from": current.label,
            "to": Status(status).label,
            "allowed": allowed,
        }
    if status != Status.CLOSED and concern.assignee_id is None and status != Status.ASSIGNED:
        return _("Assign the concern to someone first.")
    if status == Status.ASSIGNED and concern.assignee_id is None:
        return _("Choose who the concern is assigned to.")
    if status == Status.RESOLVED and not (resolution_summary or concern.resolution_summary).strip():
        return _("Say how the concern was resolved.")
    return None


def change_status(
    *, concern, status, by, outcome="", resolution_summary="", closed_reason=""
) -> Concern:
    """Move a concern along the status machine; a refused move raises ValidationError with the reason.

    Closing asks what came of the concern (its outcome) or why it was closed without one."""
    outcome = (outcome or "").strip()
    if closed_reason and closed_reason not in ClosedReason.values:
        raise ValidationError({"closed_reason": _("Choose a reason from the list.")})
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        reason = transition_refusal(concern, status, resolution_summary=resolution_summary)
        if reason:
            raise ValidationError({"status": reason})
        if status == Status.CLOSED and not (outcome or concern.outcome or closed_reason):
            raise ValidationError({"outcome": str(CLOSE_NEEDS_OUTCOME)})
        old = Status(concern.status)
        now = timezone.now()
        reopening = old in (Status.RESOLVED, Status.CLOSED) and status in OPEN_STATUSES
        concern.status = status
        fields = ["status"]
        if outcome and outcome != concern.outcome:
            _log(
                concern, by=by, action="outcome", field="outcome", old=concern.outcome, new=outcome
            )
            concern.outcome = outcome
            fields.append("outcome")
        if resolution_summary and resolution_summary != concern.resolution_summary:
            _log(
                concern,
                by=by,
                action="resolution",
                field="resolution_summary",
                old=concern.resolution_summary,
                new=resolution_summary,
            )
            concern.resolution_summary = resolution_summary
            fields.append("resolution_summary")
        if status == Status.CLOSED and closed_reason and closed_reason != concern.closed_reason:
            _log(
                concern,
                by=by,
                action="changed",
                field="closed_reason",
                old=concern.closed_reason,
                new=ClosedReason(closed_reason).value,
            )
            concern.closed_reason = closed_reason
            fields.append("closed_reason")
        if status == Status.RESOLVED:
            concern.resolved_at = now
            fields.append("resolved_at")
        if reopening:
            concern.resolved_at = None
            concern.due_at = due_at_for(concern.district, concern.urgency, now)
            fields += ["resolved_at", "due_at"]
        _log(
            concern,
            by=by,
            action="reopened" if reopening else "status",
            field="status",
            old=old.value,
            new=Status(status).value,
            at=now,
        )
        concern.save(update_fields=fields)
    return concern


def update_concern(*, concern, by, category=None, urgency=None, students=None) -> Concern:
    """Correct a concern's category, urgency (which moves the due date) or children."""
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        fields = []
        if category is not None and category != concern.category:
            category = _category(concern.district, category)
            _log(
                concern,
                by=by,
                action="changed",
                field="category",
                old=concern.category.label,
                new=category.label,
            )
            concern.category = category
            fields.append("category")
        if urgency is not None and urgency != concern.urgency:
            if urgency not in Urgency.values:
                raise ValidationError({"urgency": _("Unknown urgency.")})
            _log(
                concern,
                by=by,
                action="changed",
                field="urgency",
                old=concern.urgency,
                new=Urgency(urgency).value,
            )
            concern.urgency = urgency
            concern.due_at = due_at_for(concern.district, urgency, concern.created_at)
            fields += ["urgency", "due_at"]
        if students is not None:
            students = list(students)
            if any(s.household_id != concern.household_id for s in students):
                raise ValidationError({"students": _("Choose children of this household.")})
            before = sorted(str(s) for s in concern.students.all())
            after = sorted(str(s) for s in students)
            if before != after:
                concern.students.set(students)
                _log(
                    concern,
                    by=by,
                    action="changed",
                    field="students",
                    old=", ".join(before),
                    new=", ".join(after),
                )
        if fields:
            concern.save(update_fields=fields)
    return concern


def add_note(*, concern, body, by, restricted=False) -> ConcernNote:
    if not (body or "").strip():
        raise ValidationError({"body": _("Write the note.")})
    with transaction.atomic():
        note = ConcernNote.objects.create(
            concern=concern,
            household_id=concern.household_id,
            author=by,
            body=body.strip(),
            restricted=restricted,
        )
        # The history says a note was added, never what it says (it may be confidential).
        _log(
            concern,
            by=by,
            action="note",
            new=_("confidential note") if restricted else _("note"),
            parts=[part("note", "confidential" if restricted else "note")],
        )
    return note


def reassign_all(*, from_user, to_user, by, concerns=None) -> int:
    """Hand every open concern of an absent liaison to a colleague. Returns how many moved.

    concerns: the queryset the caller may act on (the leader's scope); defaults to all.
    """
    if from_user == to_user:
        raise ValidationError({"to_user": _("Choose someone else.")})
    qs = (
        (concerns if concerns is not None else Concern.objects.all())
        .open()
        .filter(assignee=from_user)
        .exclude(subject_staff=to_user)  # never handed to the person it is about
    )
    with transaction.atomic():
        moved = list(qs.select_for_update().values_list("pk", flat=True))
        now = timezone.now()
        Concern.objects.filter(pk__in=moved).update(assignee=to_user, updated_at=now, updated_by=by)
        ConcernChange.objects.bulk_create(
            [
                ConcernChange(
                    concern_id=pk,
                    at=now,
                    by=by,
                    by_name=str(by)[:150],
                    action="reassigned",
                    field="assignee",
                    old=str(from_user),
                    new=str(to_user),
                )
                for pk in moved
            ]
        )
        if moved:
            districts = Concern.objects.filter(pk__in=moved).values_list("district_id", flat=True)
            for district_id in set(districts):
                concerns_changed(district_id, *moved)
    return len(moved)


# --- satisfaction -------------------------------------------------------------------------


def _messaging():
    """The messaging app's services (messaging sits below concerns: always there)."""
    return messaging_services


def _reachable_guardians(household, prefer=None):
    qs = household.guardians.reachable()
    if prefer is not None and qs.filter(pk=prefer.pk).exists():
        return qs.filter(pk=prefer.pk)
    return qs


# What concerns write to a family, worded in each guardian's language (language.wordings): the
# sentences from the portal catalogues' "family" texts, what staff wrote through the pipeline.
SATISFACTION_WORDING = "concerns.satisfaction"
SUMMARY_WORDING = "concerns.summary"


def family_category_words(categories, language: str) -> dict[int, FieldText]:
    """{category pk: its name as a family reading `language` reads it}: a standard category under
    its standard name in the family's words from the portal's catalogues; a district's own, or a
    standard one it renamed, through the translation pipeline from the district's staff language
    (approved, else machine with its marker, else the label as written). One query for what is
    cached. Each category's district is read from it (select_related it)."""
    words: dict[int, FieldText] = {}
    own = []
    for category in categories:
        if category.code in FAMILY_CATEGORY_WORDS and is_standard_label(
            category.code, category.label
        ):
            with translation.override(language):
                text = str(FAMILY_CATEGORY_WORDS[category.code])
            words[category.pk] = FieldText(text, ORIGINAL, language)
        else:
            own.append(category)
    if own:
        texts = translate_fields(
            objects=own,
            fields=["label"],
            language=language,
            source_language=lambda c: c.district.default_language,
            district=lambda c: c.district,
        )
        words.update({pk: found["label"] for pk, found in texts.items()})
    return words


def _satisfaction_wording(language: str, context: dict) -> Wording:
    concern = Concern.objects.select_related("category__district", "district").get(
        pk=context["concern"]
    )
    category = family_category_words([concern.category], language)[concern.category_id]
    with translation.override(language):
        subject = pgettext("family", "Was your concern resolved?")
        body = pgettext(
            "family",
            "We have worked on the concern you raised about %(category)s. Was it resolved to "
            "your satisfaction? Reply 1 for yes, 2 for partly or 3 for no; you may add a few "
            "words after the number.",
        ) % {"category": category.text}
    return Wording(subject, body, category.method)


def _summary_wording(language: str, context: dict) -> Wording:
    district = Concern.objects.select_related("district").get(pk=context["concern"]).district
    body = translate_text(
        context["body"], language, source_language=district.default_language, district=district
    )
    with translation.override(language):
        subject = pgettext("family", "What we agreed at our meeting")
    return Wording(subject, body.text, body.method)


def register_wordings() -> None:
    register_wording(SATISFACTION_WORDING, _satisfaction_wording)
    register_wording(SUMMARY_WORDING, _summary_wording)


def ask_satisfaction(*, concern, by) -> bool:
    """Ask the family, in their language, whether the concern was resolved to their satisfaction.

    Sent once per concern through the messaging app; returns False when it cannot be sent
    (no messaging, nobody reachable) so the liaison asks by phone and records the answer.
    """
    if concern.status not in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError(_("Ask only once the concern is resolved."))
    messaging = _messaging()
    guardians = _reachable_guardians(concern.household, concern.guardian)
    if messaging is None or not guardians.exists():
        return False
    with transaction.atomic():
        updated = Concern.objects.filter(pk=concern.pk, satisfaction_asked_at__isnull=True).update(
            satisfaction_asked_at=timezone.now()
        )
        if not updated:
            return True
        messaging.send_notice(
            guardians=guardians,
            context=wording_context(SATISFACTION_WORDING, concern=concern.pk),
            subject=_("Was your concern resolved?"),
            body=_(
                "We have worked on the concern you raised about %(category)s. Was it resolved to "
                "your satisfaction? Reply 1 for yes, 2 for partly or 3 for no; you may add a few "
                "words after the number."
            )
            % {"category": concern.category.label},
            by=by,
            kind="concern_satisfaction",
            source_language=concern.district.default_language,
            dedupe_key=f"concern-satisfaction-{concern.pk}",
            related=concern,
        )
        _log(concern, by=by, action="satisfaction_asked")
    return True


def record_satisfaction(*, concern, answer, comment="", guardian=None, by=None) -> Concern:
    """Store the family's answer (the portal calls this with guardian set; staff with by set)."""
    if answer not in Satisfaction.values:
        raise ValidationError({"answer": _("Answer yes, partly or no.")})
    if guardian is not None and guardian.household_id != concern.household_id:
        raise ValidationError({"guardian": _("This guardian is not in the household.")})
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        old = concern.satisfaction
        concern.satisfaction = answer
        concern.satisfaction_comment = comment
        concern.satisfaction_answered_at = timezone.now()
        concern.save(
            update_fields=["satisfaction", "satisfaction_comment", "satisfaction_answered_at"]
        )
        _log(
            concern,
            by=by,
            guardian=guardian,
            action="satisfaction",
            field="satisfaction",
            old=old,
            new=Satisfaction(answer).value,
        )
    return concern


def _fold(text: str) -> str:
    """Capitals, no accents, single spaces: "Sí, en parte." -> "SI, EN PARTE." """
    import unicodedata

    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.upper().split())


def parse_satisfaction_reply(text: str) -> tuple[str, str] | None:
    """(answer, comment) from a text that starts with a satisfaction keyword in any language we
    ask in ("Sí", "EN PARTE: el bus llega tarde"), else None. The comment keeps the family's words."""
    import re

    folded = _fold(text)
    words = sorted(
        (
            (word, answer)
            for table in SATISFACTION_KEYWORDS.values()
            for answer, options in table.items()
            for word in options
        ),
        key=lambda pair: -len(pair[0]),
    )
    for word, answer in words:
        if re.fullmatch(rf"{re.escape(word)}(?:[\s.,;:!?¡¿-].*)?", folded, flags=re.S):
            # The comment is what follows the keyword in the text as the family wrote it.
            original = " ".join((text or "").split())
            comment = original[len(word) :].strip(" .,;:!?¡¿-")
            return str(answer), comment
    return None


def answer_satisfaction_by_sms(guardian, text: str, message=None) -> bool:
    """messaging's keyword registry: "SÍ" / "EN PARTE" / "NO" answers the satisfaction question.

    Only when the question is the last thing we sent this guardian and it is still unanswered, so
    a "NO" meant for an event invitation or a person is left to them. A bare keyword is consumed
    (True); an answer with words after it is stored and also left in the thread for a staff reply
    (False), since the family said more than the keyword.
    """

    parsed = parse_satisfaction_reply(text)
    if parsed is None:
        return False
    last = Delivery.objects.last_sent_to(guardian)
    if (
        last is None
        or last.message.notice_kind != "concern_satisfaction"
        or last.message.related_type != "concerns.concern"
    ):
        return False
    concern = Concern.objects.filter(
        pk=last.message.related_id,
        household_id=guardian.household_id,
        satisfaction_answered_at__isnull=True,
    ).first()
    if concern is None:
        return False
    answer, comment = parsed
    record_satisfaction(concern=concern, answer=answer, comment=comment, guardian=guardian)
    return not comment


# --- mediation meetings -------------------------------------------------------------------


def plan_meeting(
    *,
    concern,
    by,
    starts_at,
    place,
    language=None,
    interpreter=None,
    guardians=(),
    staff=(),
    agenda="",
) -> MediationMeeting:
    guardians = list(guardians)
    if any(g.household_id != concern.household_id for g in guardians):
        raise ValidationError({"guardians": _("Choose guardians of this household.")})
    with transaction.atomic():
        meeting = MediationMeeting.objects.create(
            concern=concern,
            starts_at=starts_at,
            place=place,
            language=language or concern.language,
            interpreter=interpreter,
            agenda=agenda,
        )
        meeting.guardians.set(guardians)
        meeting.staff.set(list(staff))
        _log(
            concern,
            by=by,
            action="meeting",
            new=f"{local_datetime(starts_at, 'short')} · {place}",
            parts=[part("moment", starts_at.isoformat()), part("text", place)],
        )
    return meeting


def update_meeting(*, meeting, by, **fields) -> MediationMeeting:
    guardians = fields.pop("guardians", None)
    staff = fields.pop("staff", None)
    with transaction.atomic():
        # Compare with what is stored (a bound ModelForm has already changed the instance).
        meeting = MediationMeeting.objects.select_related("concern").get(pk=meeting.pk)
        changed = []
        for name, value in fields.items():
            if getattr(meeting, name) != value:
                setattr(meeting, name, value)
                changed.append(name)
        meeting.save()
        if guardians is not None:
            meeting.guardians.set(guardians)
        if staff is not None:
            meeting.staff.set(staff)
        if "agreements" in changed:
            _log(
                meeting.concern,
                by=by,
                action="agreements",
                field="agreements",
                new=meeting.agreements,
            )
        elif changed:
            _log(meeting.concern, by=by, action="meeting_changed", field=", ".join(changed))
    return meeting


def add_follow_up_action(*, meeting, description, owner, due_on, by) -> FollowUpAction:
    with transaction.atomic():
        action = FollowUpAction.objects.create(
            meeting=meeting, description=description, owner=owner, due_on=due_on
        )
        worklist.schedule_follow_up(
            source=action,
            owner=owner,
            household=meeting.concern.household,
            due_on=due_on,
            title=description,
            url=reverse("concerns:meeting", args=[meeting.pk]),
            by=by,
        )
        _log(
            meeting.concern,
            by=by,
            action="follow_up_action",
            new=f"{description} — {owner} — {local_date(due_on)}",
            parts=[
                part("text", description),
                part("text", str(owner)),
                part("day", due_on.isoformat()),
            ],
        )
    return action


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def send_meeting_summary(*, meeting, by) -> bool:
    """Send the agreed summary to the family's participants in their language (via messaging)."""
    meeting = MediationMeeting.objects.select_related(
        "concern__household", "concern__district"
    ).get(pk=meeting.pk)
    if not meeting.agreements.strip():
        raise ValidationError(_("Record the agreements before sending the summary."))
    messaging = _messaging()
    concern = meeting.concern
    guardians = concern.household.guardians.reachable()
    chosen = meeting.guardians.filter(pk__in=guardians.values("pk"))
    if chosen.exists():
        guardians = chosen
    if messaging is None or not guardians.exists():
        return False
    lines = [meeting.agreements.strip()]
    # Written in the district's language, dates as its readers write them ("Feb 1, 2030"): the
    # summary is translated for each family from this text, the date with it.
    source = concern.district.default_language
    for action in meeting.actions.select_related("owner"):
        due = local_date(action.due_on, language=source)
        lines.append(f"- {action.description} ({action.owner}, {due})")
    body = "\n".join(lines)
    with transaction.atomic():
        message = messaging.send_notice(
            guardians=guardians,
            context=wording_context(SUMMARY_WORDING, body=body, concern=concern.pk),
            subject=_("What we agreed at our meeting"),
            body=body,
            by=by,
            kind="mediation_summary",
            source_language=concern.district.default_language,
            # The same summary twice is sent once; a corrected one is sent again.
            dedupe_key=f"mediation-summary-{meeting.pk}-{_digest(body)}",
            related=meeting,
        )
        meeting.summary_sent_at = timezone.now()
        meeting.summary_message_id = getattr(message, "pk", None)
        meeting.save(update_fields=["summary_sent_at", "summary_message_id"])
        _log(concern, by=by, action="summary_sent")
    return True


# --- contact log --------------------------------------------------------------------------


def _zone_for(user, household) -> zoneinfo.ZoneInfo:
    if getattr(user, "time_zone", ""):
        return zoneinfo.ZoneInfo(user.time_zone)
    if household.site_id:
        return household.site.zone
    return zoneinfo.ZoneInfo(household.district.time_zone)


def log_contact(
    *,
    household,
    by,
    kind,
    purpose,
    at=None,
    guardian=None,
    concern=None,
    duration_minutes=None,
    outcome="",
    result="",
    language="",
    interpreter=None,
    next_step="",
    follow_up_on=None,
) -> Contact:
    """Record one interaction with a family. A follow-up date creates a reminder to the person logging."""
    if guardian is not None and guardian.household_id != household.pk:
        raise ValidationError({"guardian": _("This guardian is not in the household.")})
    if concern is not None and concern.household_id != household.pk:
        raise ValidationError({"concern": _("This concern is about another household.")})
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("A contact cannot be in the future.")})
    with transaction.atomic():
        contact = Contact.objects.create(
            household=household,
            guardian=guardian,
            concern=concern,
            kind=kind,
            at=at,
            duration_minutes=duration_minutes,
            purpose=purpose,
            outcome=outcome,
            result=result,
            language=language or (guardian.preferred_language if guardian else ""),
            interpreter=interpreter,
            next_step=next_step,
            follow_up_on=follow_up_on,
            by=by,
        )
        if follow_up_on is not None and by is not None:
            due = dt.datetime.combine(follow_up_on, dt.time(8, 0), tzinfo=_zone_for(by, household))
            Reminder.objects.create(
                kind=ReminderKind.FOLLOW_UP, staff=by, contact=contact, due_at=due
            )
            # The follow-up is also a task on the person's Today until they mark it done.
            worklist.schedule_follow_up(
                source=contact,
                owner=by,
                household=household,
                due_on=follow_up_on,
                title=_("Follow up: %(purpose)s") % {"purpose": next_step or purpose},
                url=reverse("concerns:contacts", args=[household.pk]),
                by=by,
            )
        if concern is not None:
            _log(concern, by=by, action="contact", new=f"{contact.get_kind_display()}: {purpose}")
    return contact


# --- reminders ----------------------------------------------------------------------------


def notify_staff(user, *, district, subject: str, body: str, key: str) -> str:
    """Queue a notice to a member of staff through the messaging outbox (their channel of choice:
    a text, else email), once per `key`; returns the channel it will go by ("" if none).

    The outbox retries it through outages and records what happened; a failing text falls back to
    email there.
    """

    row = staff_notices.notify(staff=user, district=district, subject=subject, body=body, key=key)
    return row.channel if row is not None else ""


def create_overdue_reminders(now=None) -> int:
    """One reminder row per overdue, assigned concern and due date, however often this runs."""
    now = now or timezone.now()
    rows = [
        Reminder(kind=ReminderKind.OVERDUE, staff_id=assignee_id, concern_id=pk, due_at=due_at)
        for pk, assignee_id, due_at in Concern.objects.overdue(now)
        .filter(assignee__isnull=False)
        .values_list("pk", "assignee_id", "due_at")
    ]
    before = Reminder.objects.filter(kind=ReminderKind.OVERDUE).count()
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return Reminder.objects.filter(kind=ReminderKind.OVERDUE).count() - before


def send_due_reminders(now=None) -> int:
    """Send every reminder that is due and not yet sent; returns how many were sent.

    A reminder is claimed (sent_at set) before it is sent, so two workers never send it twice.
    """
    from django.conf import settings

    now = now or timezone.now()
    create_overdue_reminders(now)
    sent = 0
    due = Reminder.objects.filter(sent_at__isnull=True, due_at__lte=now).select_related(
        "staff", "concern__household", "concern__category", "contact__household"
    )
    base = settings.PUBLIC_URL
    for reminder in due:
        # Claimed and queued in one transaction: a reminder marked sent is in the outbox, which
        # retries it until the mail server or gateway takes it.
        with transaction.atomic():
            if not Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
                sent_at=now
            ):
                continue
            if reminder.kind == ReminderKind.OVERDUE:
                concern = reminder.concern
                if concern is None or not concern.is_open:
                    continue
                district_id = concern.district_id
                subject = _("Overdue concern: %(household)s") % {"household": concern.household}
                body = _("The %(category)s concern of %(household)s was due %(due)s.\n%(url)s") % {
                    "category": concern.category.label,
                    "household": concern.household,
                    "due": local_datetime(concern.due_at, "short"),
                    "url": base + concern.get_absolute_url(),
                }
            else:
                contact = reminder.contact
                district_id = contact.household.district_id
                subject = _("Follow up: %(household)s") % {"household": contact.household}
                body = _(
                    "%(kind)s on %(date)s about “%(purpose)s”. Next step: %(next)s\n%(url)s"
                ) % {
                    "kind": contact.get_kind_display(),
                    "date": local_date(contact.at),
                    "purpose": contact.purpose,
                    "next": contact.next_step or "—",
                    "url": base + contact.household.get_absolute_url(),
                }
            channel = notify_staff(
                reminder.staff,
                district=district_id,
                subject=subject,
                body=body,
                key=f"concern-reminder-{reminder.pk}",
            )
            Reminder.objects.filter(pk=reminder.pk).update(channel=channel)
        sent += 1
    if sent:
        staff_notices.send_now()
    return sent
