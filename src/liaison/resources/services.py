"""Business operations of the resources app: curation, referrals, reminders, feedback and the search
the family portal calls. Each validates, writes in one transaction, enqueues on commit and returns
what it made."""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from liaison.language.fields import translate_object
from liaison.language.rendering import ORIGINAL
from liaison.language.wordings import Wording, register_wording, wording_context
from liaison.messaging import staff as staff_notices
from liaison.messaging.choices import NoticeKind
from liaison.messaging.services import send_notice
from liaison.resources import search
from liaison.resources.choices import CLOSED, TRANSITIONS, ReferralStatus
from liaison.resources.models import (
    Referral,
    ReferralEvent,
    Service,
    ServiceFeedback,
    UnmetNeed,
)
from liaison.worklist import services as worklist

log = logging.getLogger(__name__)
REMINDER_HOUR = 8  # reminders go out at 08:00 in the district's zone on the follow-up day


# --- curation ----------------------------------------------------------------------------------


def save_service(*, service: Service, by) -> Service:
    """Save a service a curator added or edited and bring its search listings up to date."""
    with transaction.atomic():
        service.full_clean()
        service.save()
    search.reindex_services([service.pk])
    return service


def mark_verified(*, service: Service, by, on: dt.date | None = None) -> Service:
    """Someone checked the entry with the provider: HSDS `assured_date` and `assurer_email`."""
    service.assured_date = on or timezone.localdate()
    service.assurer_email = getattr(by, "email", "") or ""
    service.save(update_fields=["assured_date", "assurer_email"])
    return service


def record_feedback(
    *,
    service: Service,
    household=None,
    helpful: bool | None = None,
    comment: str = "",
    language: str = "",
    by=None,
) -> ServiceFeedback:
    """A family's word on a service (from the portal, or told to a liaison). Kept for curators."""
    comment = (comment or "").strip()
    if helpful is None and not comment:
        raise ValidationError(_("Say whether it helped, or write a comment."))
    return ServiceFeedback.objects.create(
        service=service,
        household=household,
        helpful=helpful,
        comment=comment[:4000],
        language=language or (household.primary_language if household else ""),
        recorded_by=by if getattr(by, "is_authenticated", False) else None,
    )


def search_for_family(
    *, household=None, text: str = "", language: str = "en", limit: int = 20, **filters
) -> list:
    """The directory search for the family portal: results (reasons, hours) in the family's
    language, nearest to the family's stored address first. Filters as in search.Query."""
    near = None
    if household is not None and household.latitude is not None:
        near = (household.latitude, household.longitude)
    with translation.override(language):
        return search.search_services(search.Query(text=text, near=near, **filters), limit=limit)


# --- referrals -----------------------------------------------------------------------------------


def create_referral(
    *,
    household,
    service: Service,
    by,
    need=None,
    consent_given: bool = False,
    consent_note: str = "",
    shared_data: bool = False,
    follow_up_on: dt.date | None = None,
    note: str = "",
    status: str = ReferralStatus.SUGGESTED,
) -> Referral:
    if shared_data and not consent_given:
        raise ValidationError(
            {"shared_data": _("Share the family's details only with their consent.")}
        )
    with transaction.atomic():
        referral = Referral.objects.create(
            household=household,
            service=service,
            service_name=service.name[:300],
            need=need,
            liaison=by,
            status=status,
            consent_given=consent_given,
            consent_note=consent_note,
            consent_at=timezone.now() if consent_given else None,
            shared_data=shared_data,
            follow_up_on=follow_up_on,
        )
        _record_event(referral, status=status, by=by, note=note)
        if follow_up_on:
            _schedule_reminder(referral)
            _schedule_task(referral, by=by)
    return referral


def _record_event(referral: Referral, *, status: str, by, note: str) -> ReferralEvent:
    """A line of the referral's history (kept with the household's id for the erasure record)."""
    return ReferralEvent.objects.create(
        referral=referral,
        household_id_copy=referral.household_id,
        status=status,
        by=by,
        note=note,
    )


def change_status(*, referral: Referral, status: str, by, note: str = "") -> Referral:
    """Move a referral along: suggested → sent → contacted → receiving → closed (four outcomes)."""
    if status == referral.status:
        raise ValidationError({"status": _("The referral already has this status.")})
    if status not in TRANSITIONS.get(referral.status, set()):
        raise ValidationError(
            {
                "status": _("A referral that is “%(now)s” cannot become “%(next)s”.")
                % {
                    "now": referral.get_status_display(),
                    "next": ReferralStatus(status).label,
                }
            }
        )
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        referral.status = status
        fields = ["status"]
        if status in CLOSED:
            referral.closed_at = timezone.now()
            fields.append("closed_at")
            if note:
                referral.outcome_note = note
                fields.append("outcome_note")
        referral.save(update_fields=fields)
        _record_event(referral, status=status, by=by, note=note)
    return referral


def set_follow_up(*, referral: Referral, follow_up_on: dt.date | None, by) -> Referral:
    """A new follow-up date gets its own reminder (sent once)."""
    with transaction.atomic():
        referral.follow_up_on = follow_up_on
        referral.reminder_sent_at = None
        referral.save(update_fields=["follow_up_on", "reminder_sent_at"])
        if follow_up_on:
            _schedule_reminder(referral)
        _schedule_task(referral, by=by)
    return referral


def _schedule_task(referral: Referral, *, by) -> None:
    """The referral's follow-up date as a task of its liaison's (moved, or gone without a date)."""
    owner = referral.liaison or by
    if owner is None:
        return
    worklist.schedule_follow_up(
        source=referral,
        owner=owner,
        household=referral.household,
        due_on=referral.follow_up_on,
        title=_("Follow up on the referral to %(service)s") % {"service": referral.service_name},
        url=reverse("resources:referral", args=[referral.pk]),
        by=by,
    )


def _schedule_reminder(referral: Referral) -> None:
    zone = timezone.get_default_timezone()
    at = dt.datetime.combine(referral.follow_up_on, dt.time(REMINDER_HOUR), tzinfo=zone)
    referral_id = referral.pk

    def enqueue():
        try:
            send_referral_reminder.using(run_after=at).enqueue(referral_id)
        except Exception:
            log.info("task backend cannot defer; referral %s waits for the sweep", referral_id)

    transaction.on_commit(enqueue)


REFERRAL_WORDING = "resources.referral"


def referral_notice_text(referral: Referral, language: str = "en") -> tuple[str, str]:
    """Subject and body with the service's name, address, phone and hours, worded in `language`
    (the portal catalogues' "family" texts; the service's application process, which a directory
    editor wrote, through the translation pipeline). Messaging asks for it once per language of
    the family's guardians (registered with language.wordings in ResourcesConfig.ready())."""
    return referral_wording(referral, language)[:2]


def referral_wording(referral: Referral, language: str) -> tuple[str, str, str]:
    """(subject, body, method): the method is the pipeline's for the application process."""
    service = referral.service
    lines = [service.name if service else referral.service_name]
    method = ORIGINAL
    if service is not None:
        if service.organization_id:
            lines.append(service.organization.name)
        household = referral.household
        sals = list(
            service.at_locations.select_related("location").prefetch_related(
                "location__addresses", "location__phones"
            )
        )
        if household.latitude is not None:  # the family's nearest place first
            sals.sort(
                key=lambda x: (
                    search.haversine_km(
                        household.latitude,
                        household.longitude,
                        x.location.latitude,
                        x.location.longitude,
                    )
                    if x.location.latitude is not None
                    else 1e9
                )
            )
        for x in sals[:3]:
            lines += [a.text for a in x.location.addresses.all()]
        sal = sals[0] if sals else None
        phone = service.phones.first() or (sal.location.phones.first() if sal else None)
        if phone:
            lines.append(phone.display)
        schedules = list(service.schedules.all()) or (
            list(sal.location.schedules.all()) if sal else []
        )
        with translation.override(language):
            hours = search.describe_hours(schedules)
            if hours:
                lines.append(pgettext("family", "Hours: %(hours)s") % {"hours": "; ".join(hours)})
        if service.application_process:
            process = translate_object(
                service,
                ["application_process"],
                language,
                source_language="en",
                district=referral.household.district,
            )["application_process"]
            lines.append(process.text)
            method = process.method
    with translation.override(language):
        subject = pgettext("family", "A service that can help: %(name)s") % {"name": lines[0]}
    return subject, "\n".join(lines), method


def _build_referral(language: str, context: dict) -> Wording:
    referral = Referral.objects.select_related("service__organization", "household__district").get(
        pk=context["referral"]
    )
    return Wording(*referral_wording(referral, language))


def register_wordings() -> None:
    register_wording(REFERRAL_WORDING, _build_referral)


def send_referral_to_family(*, referral: Referral, by):
    """The service's details to the family's reachable guardians, in their languages (once per
    referral). A suggested referral becomes "sent"."""
    from liaison.people.models import Guardian

    guardians = Guardian.objects.reachable().filter(household_id=referral.household_id)
    if not guardians.exists():
        raise ValidationError(_("No guardian of this family can be sent messages."))
    subject, body = referral_notice_text(referral)
    with transaction.atomic():
        message = send_notice(
            guardians=guardians,
            subject=subject,
            body=body,
            by=by,
            kind=NoticeKind.REFERRAL,
            source_language="en",
            dedupe_key=f"resources.referral:{referral.pk}",
            related=referral,
            context=wording_context(REFERRAL_WORDING, referral=referral.pk),
        )
        if referral.status == ReferralStatus.SUGGESTED:
            change_status(
                referral=referral,
                status=ReferralStatus.SENT,
                by=by,
                note=_("Service details sent to the family."),
            )
    return message


def send_follow_up_reminder(referral_id: int, *, today: dt.date | None = None) -> bool:
    """Remind the liaison on the follow-up day, once: the claim is one conditional UPDATE."""
    today = today or timezone.localdate()
    # Claimed and queued in one transaction: a reminder marked sent is in the outbox, which
    # retries it until the mail server takes it.
    with transaction.atomic():
        claimed = (
            Referral.objects.open()
            .filter(pk=referral_id, follow_up_on__lte=today, reminder_sent_at__isnull=True)
            .update(reminder_sent_at=timezone.now())
        )
        if not claimed:
            return False
        _queue_follow_up_reminder(referral_id)

    staff_notices.send_now()
    return True


def _queue_follow_up_reminder(referral_id: int) -> None:
    referral = Referral.objects.select_related("liaison", "household").get(pk=referral_id)
    liaison = referral.liaison
    if liaison is None or not liaison.email:
        return  # shown on the follow-ups list all the same
    link = settings.PUBLIC_URL + referral.get_absolute_url()
    with translation.override(liaison.interface_language or "en"):
        subject = _("Follow up: %(service)s for %(household)s") % {
            "service": referral.service_name,
            "household": referral.household.name,
        }
        body = _(
            "Today is the follow-up date of a referral.\n\n"
            "Household: %(household)s\nService: %(service)s\nStatus: %(status)s\n\n%(link)s\n"
        ) % {
            "household": referral.household.name,
            "service": referral.service_name,
            "status": referral.get_status_display(),
            "link": link,
        }
    # Through the outbox: a mail server that is down delays the reminder, never loses it.

    staff_notices.notify(
        staff=liaison,
        district=referral.household.district_id,
        subject=subject,
        body=body,
        key=f"referral-reminder-{referral.pk}-{referral.follow_up_on.isoformat()}",
    )


def send_due_reminders(*, today: dt.date | None = None) -> int:
    """The sweep (`liaison remind_referrals`, or cron): every due reminder not yet sent."""
    today = today or timezone.localdate()
    ids = list(Referral.objects.follow_up_due(today).values_list("id", flat=True))
    return sum(send_follow_up_reminder(pk, today=today) for pk in ids)


def record_unmet_need(
    *, household, description: str, by, need=None, searched_for: str = ""
) -> UnmetNeed:
    description = (description or "").strip()
    if not description and need is None:
        raise ValidationError({"description": _("Say what the family needs.")})
    return UnmetNeed.objects.create(
        household=household,
        need=need,
        description=description or need.name,
        searched_for=searched_for[:200],
    )


# --- background entry point (beside the service it runs: see events.services) -------------------


@task()
def send_referral_reminder(referral_id: int) -> bool:
    return send_follow_up_reminder(referral_id)
