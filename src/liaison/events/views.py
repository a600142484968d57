"""Staff pages for events, the kiosk at the door, and the family's no-sign-in RSVP link."""

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liaison.core import live, policy
from liaison.core.htmx import is_htmx
from liaison.core.policy import Want
from liaison.core.policy import events as event_policy
from liaison.events import calendars, kiosk, services, wording
from liaison.events.choices import Answer, EventKind, RsvpChannel
from liaison.events.forms import (
    AskForm,
    CheckInForm,
    EventForm,
    GroupForm,
    InviteForm,
    KioskLeaveForm,
    MinutesForm,
    RsvpForm,
    SlotsForm,
    WalkInForm,
)
from liaison.events.models import ConferenceSlot, Event, Group, GroupMember, Invitation
from liaison.language.rendering import render_message
from liaison.people.models import Guardian, Household, Site, household_label_prefetches


def _posted_pk(request, name):
    """An id chosen in a form: anything but a whole number is a record that does not exist (404)."""
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


def _event_or_404(user, pk) -> Event:
    return get_object_or_404(
        Event.objects.visible_to(user).select_related("district", "site", "group"), pk=pk
    )


def _managed_or_404(user, pk) -> Event:
    event = _event_or_404(user, pk)
    if not event_policy.can_manage(user, event):
        raise Http404
    return event


def _district(user):
    return event_policy.home_district(user)


def _sites(user):
    return event_policy.event_sites(user)


# --- events -------------------------------------------------------------------------------


@login_required
def event_list(request):
    events = Event.objects.visible_to(request.user).upcoming().select_related("site", "group")[:200]
    return render(
        request,
        "events/list.html",
        {"events": events, "can_create": event_policy.can_run_events(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk=None):
    user = request.user
    if pk is None:
        if not event_policy.can_run_events(user):
            raise Http404
        event, district = None, _district(user)
    else:
        event = _managed_or_404(user, pk)
        district = event.district
    form = EventForm(
        request.POST or None,
        instance=event,
        sites=_sites(user).filter(district=district),
        groups=Group.objects.filter(district=district),
        district=district,
        editing=event is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            if event is None:
                rule = data.pop("recurrence", "")
                made = services.create_event(district=district, by=user, recurrence=rule, **data)
                messages.success(
                    request,
                    _("Event created (%(n)d occurrences).") % {"n": len(made)}
                    if len(made) > 1
                    else _("Event created."),
                )
                return redirect(made[0])
            services.update_event(event=event, by=user, **data)
            messages.success(request, _("Saved. Invited families are told of any change."))
            return redirect(event)
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "events/event_form.html", {"form": form, "event": event})


def _invitations_visible(user, event):
    return (
        event.invitations.filter(
            Q(household__isnull=True) | Q(household__in=Household.objects.visible_to(user))
        )
        .select_related("household")
        .prefetch_related(*household_label_prefetches("household"))
        .order_by("household__name", "walk_in_name")
    )


@login_required
def event_detail(request, pk):
    event = _event_or_404(request.user, pk)
    manage = event_policy.can_manage(request.user, event)
    # The answers and the invited families refresh themselves when an RSVP, a check-in or the
    # event changes (core/live.py); read before them.
    watch = live.watch(request, f"event:{event.pk}")
    if request.GET.get("part") == "rsvps" and is_htmx(request):
        invitations = _invitations_visible(request.user, event)[:500] if manage else []
        context = {"event": event, "manage": manage, "invitations": invitations, "watch": watch}
        return render(request, "events/event.html#rsvps", context)
    context = {
        "event": event,
        "manage": manage,
        "watch": watch,
        "counts": services.live_counts(event),
        "when": services.when_text(event),
        "invitations": _invitations_visible(request.user, event)[:500] if manage else [],
        "occurrences": event.occurrences.all()[:60],
        "site_feed": services.feed_token("site", event.site_id) if event.site_id else "",
        "flyer_languages": services.flyer_languages(event),
    }
    return render(request, "events/event.html", context)


@login_required
def event_counts(request, pk):
    """The answers and needs, a live part of the event page (core/live.py)."""
    event = _event_or_404(request.user, pk)
    watch = live.watch(request, f"event:{event.pk}")
    return render(
        request,
        "events/event.html#counts",
        {"event": event, "counts": services.live_counts(event), "watch": watch},
    )


@login_required
@require_POST
def event_cancel(request, pk):
    event = _managed_or_404(request.user, pk)
    services.cancel_event(event=event, by=request.user)
    messages.success(request, _("Cancelled. Everyone invited is being told."))
    return redirect(event)


@login_required
@require_http_methods(["GET", "POST"])
def event_invite(request, pk):
    event = _managed_or_404(request.user, pk)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        households = services.audience(
            event=event,
            user=request.user,
            audience=form.cleaned_data["audience"],
            language=form.cleaned_data["language"],
        )
        try:
            made = services.invite_households(event=event, households=households, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(n)d families invited.") % {"n": len(made)})
            return redirect(event)
    return render(request, "events/invite.html", {"event": event, "form": form})


@login_required
def event_ics(request, pk):
    event = _event_or_404(request.user, pk)
    return _ics(calendars.event_ics(event), f"event-{event.pk}.ics")


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def feed(request, token):
    """A subscribable feed (household or site), by signed token: calendar apps cannot sign in."""
    kind, pk = services.feed_target(token)
    if kind == "household":
        household = get_object_or_404(Household, pk=pk)
        # Every event the family is invited to, except those it said no to.
        wanted = Invitation.objects.filter(household=household).exclude(answer=Answer.NO)
        events = Event.objects.filter(pk__in=wanted.values("event_id")).select_related(
            "district", "site"
        )
        name = household.name
    elif kind == "site":
        site = get_object_or_404(Site, pk=pk)
        events = Event.objects.filter(site=site, group__isnull=True).select_related(
            "district", "site"
        )
        name = site.name
    else:
        raise Http404
    return _ics(calendars.calendar_for(events, name=name), "liaison.ics")


@login_required
def event_flyer(request, pk):
    from liaison.events.flyer import flyer_pdf

    event = _event_or_404(request.user, pk)
    languages = [t for t in request.GET.getlist("lang") if t][:8] or [event.language]
    rendered = render_message(
        district=event.district,
        subject=event.title,
        body=event.description,
        source_language=event.language,
        target_languages=languages,
    )
    pdf, skipped = flyer_pdf(
        event,
        {tag: (r.subject, r.body, services.when_text(event, tag)) for tag, r in rendered.items()},
        where=services.where_text(event),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="flyer-{event.pk}.pdf"'
    if skipped:
        response["X-Liaison-Skipped-Languages"] = ",".join(skipped)
    return response


# --- a family's invitations (household-level records) -------------------------------------


@login_required
def household_events(request, pk):
    household = policy.open_household(request, pk, log="view")
    invitations = (
        Invitation.objects.filter(household=household)
        .select_related("event__site")
        .order_by("-event__starts_at")
    )
    slots = household.conference_slots.select_related("teacher", "event").order_by("starts_at")
    return render(
        request,
        "events/household.html",
        {
            "household": household,
            "invitations": invitations,
            "slots": slots,
            "feed": services.feed_token("household", household.pk),
            "can_edit": policy.can_edit_household(request.user, household),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_rsvp(request, pk):
    """A liaison records the family's answer (on the phone, at a meeting)."""
    invitation = policy.open_invitation(request, pk, Want.EDIT)
    household = invitation.household
    form = RsvpForm(request.POST or None, initial=invitation.rsvp_initial())
    if request.method == "POST" and form.is_valid():
        try:
            services.respond(
                invitation=invitation,
                channel=RsvpChannel.STAFF,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Answer saved."))
            return redirect("events:household_events", household.pk)
    return render(
        request,
        "events/rsvp_staff.html",
        {"invitation": invitation, "form": form, "household": household},
    )


# --- the family's link (no sign-in) --------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rsvp_link(request, token):
    try:
        invitation = services.invitation_from_token(token)
    except services.LinkRefused as exc:
        return render(request, "events/rsvp_refused.html", {"reason": str(exc)}, status=410)
    # What staff wrote (title, description) in the page's language, as the invitation text had it.
    texts = wording.event_texts(invitation.event, translation.get_language() or "en")
    words = {
        "title": texts["title"],
        "description": texts["description"],
        "place": texts["place"].text,
        "machine": any(text.machine for text in texts.values()),
    }
    form = RsvpForm(request.POST or None, initial=invitation.rsvp_initial())
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.respond(
                invitation=invitation, channel=RsvpChannel.LINK, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request,
                "events/rsvp_done.html",
                {
                    "invitation": invitation,
                    "when": services.when_text(invitation.event),
                    "next_link": services.rsvp_url(invitation),
                    **words,
                },
            )
    return render(
        request,
        "events/rsvp_link.html",
        {
            "invitation": invitation,
            "event": invitation.event,
            "form": form,
            "when": services.when_text(invitation.event),
            **words,
        },
    )


def invitation_qr(request, token):
    """The check-in QR as an SVG image (an image URL keeps the strict CSP happy).

    A standalone SVG file needs its namespace: without it a browser shows a broken image
    (segno's svg_inline leaves it out, being meant for SVG inside HTML).
    """
    invitation = get_object_or_404(Invitation, token=token)
    svg = io.BytesIO()
    segno.make(services.qr_payload(invitation), error="m").save(
        svg, kind="svg", scale=6, border=2, xmldecl=False
    )
    response = HttpResponse(svg.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the kiosk at the door ------------------------------------------------------------------
# Kiosk mode hands a staff session to families: events.kiosk locks it to one event and its
# language; the pages use their own layout (no staff menu, name or sign-out) and show a family
# no more than a household name and its guardians' initials.


def _kiosk_event(request, pk) -> Event:
    """Kiosk pages are for the staff who run the event (the policy's question, as before)."""
    try:
        return _managed_or_404(request.user, pk)
    except Http404:
        # Locked to an event its staff member no longer runs (or that is gone), the session would
        # only ever answer 404: it is the staff member's again.
        if kiosk.locked_event_pk(request) == pk:
            kiosk.end(request)
        raise


def _kiosk_context(event, **context) -> dict:
    languages = kiosk.languages(event)
    return {
        "event": event,
        "kiosk_languages": languages if len(languages) > 1 else [],
        "kiosk_first_language": languages[0],
        "confirm_seconds": settings.LIAISON_KIOSK_CONFIRM_SECONDS,
        "idle_seconds": settings.LIAISON_KIOSK_IDLE_SECONDS,
        **context,
    }


def _kiosk_page(request, event, *, status=200, **context):
    # A form given back with its errors (a refused walk-in) replaces the empty one.
    context = _kiosk_context(
        event,
        **{
            "form": CheckInForm(),
            "walk_in": WalkInForm(),
            "min_query": services.KIOSK_MIN_QUERY,
            **context,
        },
    )
    return render(request, "events/kiosk.html", context, status=status)


@login_required
@require_POST
def kiosk_start(request, pk):
    event = _kiosk_event(request, pk)
    kiosk.start(request, event)
    return redirect("events:kiosk", event.pk)


@login_required
def kiosk_page(request, pk):
    event = _kiosk_event(request, pk)
    if kiosk.locked_event_pk(request) != event.pk:
        # Kiosk mode starts with a POST, so no link can lock a staff member's session.
        return render(request, "events/kiosk_start.html", {"event": event})
    if "fresh" in request.GET:  # the screen cleared itself: the next family starts afresh
        kiosk.reset_language(request, event)
        return redirect("events:kiosk", event.pk)
    return _kiosk_page(request, event)


@login_required
@require_POST
def kiosk_language(request, pk):
    event = _kiosk_event(request, pk)
    kiosk.set_language(request, event, request.POST.get("language", ""))
    return redirect("events:kiosk", event.pk)


@login_required
@require_http_methods(["GET", "POST"])
def kiosk_leave(request, pk):
    event = _kiosk_event(request, pk)
    if kiosk.locked_event_pk(request) != event.pk:
        return redirect(event)
    form = KioskLeaveForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if kiosk.leave(request, form.cleaned_data["password"]):
            return redirect(event)
        error = _("That is not the password.")
    wait = kiosk.leave_locked_for(request)
    if wait:
        error = _("Too many tries. Wait a few minutes and try again.")
    return render(
        request,
        "events/kiosk_leave.html",
        _kiosk_context(event, form=form, error=error),
        status=422 if error else 200,
    )


@login_required
@require_POST
def kiosk_check_in(request, pk):
    event = _kiosk_event(request, pk)
    form = CheckInForm(request.POST)
    result = {}
    try:
        if request.POST.get("invitation"):
            invitation = get_object_or_404(
                Invitation.objects.select_related("household"),
                pk=_posted_pk(request, "invitation"),
                event=event,
            )
            result["invitation"] = services.check_in(
                event=event, invitation=invitation, by=request.user
            )
        elif form.is_valid():
            result["invitation"] = services.check_in(
                event=event, token=form.cleaned_data["token"], by=request.user
            )
        else:
            result["error"] = _("Scan the QR code or type its code.")
    except services.NotFound as exc:
        result["error"] = str(exc)
    status = 200 if "invitation" in result else 422
    if is_htmx(request):
        result["swapped"] = True
        return render(request, "events/kiosk.html#result", result, status=status)
    return _kiosk_page(request, event, status=status, **result)


@login_required
def kiosk_search(request, pk):
    event = _kiosk_event(request, pk)
    q = request.GET.get("q", "").strip()[:60]
    found = services.kiosk_matches(event=event, query=q)
    if is_htmx(request):
        context = {"event": event, "found": found, "q": q, "min_query": services.KIOSK_MIN_QUERY}
        return render(request, "events/kiosk.html#found", context)
    return _kiosk_page(request, event, found=found, q=q)


@login_required
@require_POST
def kiosk_walk_in(request, pk):
    event = _kiosk_event(request, pk)
    form = WalkInForm(request.POST)
    if form.is_valid():
        invitation = services.add_walk_in(
            event=event,
            name=form.cleaned_data["name"],
            party_size=form.cleaned_data["party_size"],
            by=request.user,
        )
        messages.success(request, _("Welcome, %(name)s!") % {"name": invitation.display_name})
        return redirect("events:kiosk", event.pk)
    return _kiosk_page(request, event, walk_in=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def walk_in_match(request, pk, invitation_pk):
    """Staff say which family a walk-in was: searched by the name typed at the door."""
    event = _managed_or_404(request.user, pk)
    walk_in = get_object_or_404(
        event.invitations, pk=invitation_pk, household__isnull=True, checked_in_at__isnull=False
    )
    if request.method == "POST":
        # Naming the family a walk-in was changes its record (an edit) but shows none of it: the
        # family is fetched within scope and checked, without asking a reason.
        household = policy.fetch_household(request.user, _posted_pk(request, "household"))
        if not policy.allows(request.user, household, Want.EDIT):
            raise Http404
        services.match_walk_in(walk_in=walk_in, household=household, by=request.user)
        messages.success(
            request,
            _("%(name)s is now recorded as %(family)s.")
            % {"name": walk_in.walk_in_name, "family": household.name},
        )
        return redirect(event)
    from liaison.people.search import search_households

    q = request.GET.get("q", walk_in.walk_in_name).strip()[:100]
    found = [
        h
        for h in (search_households(request.user, q, limit=20) if q else [])
        if policy.can_edit_household(request.user, h)
    ]
    return render(
        request,
        "events/walk_in_match.html",
        {"event": event, "walk_in": walk_in, "q": q, "found": found},
    )


# --- conference slots ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def slots(request, pk):
    event = _event_or_404(request.user, pk)
    if event.kind != EventKind.CONFERENCE or not event_policy.can_publish_slots(
        request.user, event
    ):
        raise Http404
    manage = event_policy.can_manage(request.user, event)
    form = SlotsForm(request.POST or None, zone=event.zone)
    if request.method == "POST" and form.is_valid():
        teacher = request.user
        if manage and request.POST.get("teacher"):
            from liaison.people.models import User

            teacher = get_object_or_404(
                User.objects.staff_of(event.district), pk=_posted_pk(request, "teacher")
            )
        try:
            made = services.publish_slots(
                event=event, teacher=teacher, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(n)d slots published.") % {"n": len(made)})
            return redirect("events:slots", event.pk)
    all_slots = event.slots.select_related("teacher", "household")
    if not manage:
        all_slots = all_slots.filter(teacher=request.user)
    return render(
        request,
        "events/slots.html",
        {"event": event, "form": form, "slots": all_slots, "manage": manage, "zone": event.zone},
    )


@login_required
def slots_print(request, pk, teacher_pk):
    event = _event_or_404(request.user, pk)
    if not event_policy.can_publish_slots(request.user, event):
        raise Http404
    if not event_policy.can_manage(request.user, event) and teacher_pk != request.user.pk:
        raise Http404
    rows = event.slots.filter(teacher_id=teacher_pk).select_related("teacher", "household")
    if not rows:
        raise Http404
    return render(
        request,
        "events/slots_print.html",
        {"event": event, "slots": rows, "teacher": rows[0].teacher, "zone": event.zone},
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_slot(request, pk, event_pk):
    """A liaison books (or moves) a family's conference slot."""
    household = policy.open_household(request, pk, Want.EDIT)
    event = get_object_or_404(
        Event, pk=event_pk, kind=EventKind.CONFERENCE, district=household.district
    )
    free = event.slots.filter(household__isnull=True).select_related("teacher")
    mine = event.slots.filter(household=household).select_related("teacher")
    if request.method == "POST":
        slot = get_object_or_404(
            ConferenceSlot, pk=_posted_pk(request, "slot"), event=event, household__isnull=True
        )
        current = mine.filter(teacher=slot.teacher).first()
        try:
            if current:
                services.reschedule_slot(old=current, new=slot, by=request.user)
            else:
                services.book_slot(slot=slot, household=household, by=request.user)
        except services.SlotTaken as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Conference booked."))
            return redirect("events:household_events", household.pk)
    return render(
        request,
        "events/household_slot.html",
        {"household": household, "event": event, "free": free, "mine": mine, "zone": event.zone},
    )


# --- groups and committees -------------------------------------------------------------------


def _groups_for(user):
    return Group.objects.filter(event_policy.group_filter(user))


@login_required
@require_http_methods(["GET", "POST"])
def group_list(request):
    if not event_policy.can_see_groups(request.user):
        raise Http404
    district = _district(request.user)
    form = GroupForm(request.POST or None, sites=_sites(request.user))
    if request.method == "POST" and form.is_valid():
        group = form.save(commit=False)
        group.district = district
        group.save()
        return redirect(group)
    return render(
        request,
        "events/groups.html",
        {"groups": _groups_for(request.user).select_related("site"), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request, pk):
    if not event_policy.can_see_groups(request.user):
        raise Http404
    group = get_object_or_404(_groups_for(request.user), pk=pk)
    meetings = group.meetings.order_by("-starts_at")
    ask_form = AskForm(request.POST or None, meetings=meetings, prefix="ask")
    if request.method == "POST" and "ask-text" in request.POST and ask_form.is_valid():
        ask = ask_form.save(commit=False)
        ask.group = group
        ask.save()
        messages.success(request, _("Recorded."))
        return redirect(group)
    if request.method == "POST" and request.POST.get("guardian"):
        guardian = get_object_or_404(
            Guardian.objects.visible_to(request.user), pk=_posted_pk(request, "guardian")
        )
        GroupMember.objects.get_or_create(
            group=group, guardian=guardian, defaults={"role": request.POST.get("role", "member")}
        )
        return redirect(group)
    members = group.members.select_related("guardian__household").filter(
        guardian__in=Guardian.objects.visible_to(request.user)
    )
    return render(
        request,
        "events/group.html",
        {
            "group": group,
            "members": members,
            "meetings": meetings,
            "asks": group.asks.select_related("meeting"),
            "ask_form": ask_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_minutes(request, pk):
    event = _managed_or_404(request.user, pk)
    form = MinutesForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Minutes saved."))
        return redirect(event)
    return render(request, "events/minutes.html", {"event": event, "form": form})
