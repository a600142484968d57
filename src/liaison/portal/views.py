"""The family portal's pages: sign-in without a password, home, children, preferences."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liaison.core.clientaddr import client_address
from liaison.messaging import services as messaging
from liaison.messaging.choices import Channel as MessagingChannel
from liaison.people.choices import AssignmentRole
from liaison.people.models import HouseholdAssignment, Student
from liaison.portal import family, inbox, services
from liaison.portal.choices import DeepLinkPurpose
from liaison.portal.forms import (
    CodeForm,
    ConcernForm,
    HelpSearchForm,
    LanguageForm,
    PreferencesForm,
    RememberForm,
    ReplyForm,
    RsvpForm,
    SignInForm,
)
from liaison.portal.session import (
    DEVICE_COOKIE,
    LANGUAGE_KEY,
    activate_language,
    current_family,
    family_required,
    portal_page,
    sign_in,
    sign_out,
)

PENDING_KEY = "portal_pending"  # the number a code was sent to, so the family need not retype it


def _safe_next(request, value: str) -> str:
    if (
        value
        and value.startswith("/family/")
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return reverse("portal:home")


def _signed_in_response(request, guardian, *, next_path: str, remember: bool):
    sign_in(request, guardian)
    response = redirect(_safe_next(request, next_path))
    if remember:
        token, expires = services.remember_device(guardian=guardian)
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            expires=expires,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
            path="/family/",
        )
    return response


# --- signing in ---------------------------------------------------------------------------------


@portal_page
def sign_in_view(request):
    if current_family(request) is not None and not request.session.get("portal_scope"):
        return redirect(_safe_next(request, request.GET.get("next", "")))
    next_path = request.POST.get("next") or request.GET.get("next", "")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        destination = form.cleaned_data["contact"]
        try:
            services.request_sign_in(
                destination=destination,
                ip=client_address(request) or "",
                next_path=_safe_next(request, next_path),
            )
        except services.Throttled:
            form.add_error(
                "contact", _("Too many codes were asked for. Wait an hour, or call your school.")
            )
        else:
            request.session[PENDING_KEY] = {
                "channel": destination.channel,
                "value": destination.value,
            }
            if destination.channel == "email":
                return redirect("portal:link_sent")
            return redirect("portal:verify")
    return render(request, "portal/sign_in.html", {"form": form, "next": next_path})


@portal_page
def verify(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or pending.get("channel") != "sms":
        return redirect("portal:sign_in")
    destination = services.Destination(pending["channel"], pending["value"])
    form = CodeForm(request.POST if request.method == "POST" else None)
    locked = False
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.verify_code(
                destination=destination,
                code=form.cleaned_data["code"],
                ip=client_address(request) or "",
            )
        except services.SignInLocked:
            challenge, locked = None, True
        if challenge is not None:
            request.session.pop(PENDING_KEY, None)
            return _signed_in_response(
                request,
                challenge.guardian,
                next_path=challenge.next_path,
                remember=form.cleaned_data["remember"],
            )
        if locked:
            form.add_error(
                None,
                _(
                    "Too many wrong codes. For your safety, wait %(minutes)s minutes and ask for a new code."
                )
                % {"minutes": settings.LIAISON_PORTAL_LOCKOUT_MINUTES},
            )
        else:
            form.add_error("code", _("That code is not right, or it has expired."))
    status = 429 if locked else 200
    return render(
        request,
        "portal/verify.html",
        {"form": form, "locked": locked, "minutes": settings.LIAISON_PORTAL_CODE_MINUTES},
        status=status,
    )


@portal_page
def link_sent(request):
    return render(
        request, "portal/link_sent.html", {"minutes": settings.LIAISON_PORTAL_LINK_MINUTES}
    )


@portal_page
def link(request, token):
    """A one-time link from an email. Opening it asks for one tap, so mail scanners cannot spend it."""
    form = RememberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.redeem_link(token=token, ip=client_address(request) or "")
        except services.SignInLocked:
            challenge = None
        if challenge is not None:
            return _signed_in_response(
                request,
                challenge.guardian,
                next_path=challenge.next_path,
                remember=form.cleaned_data["remember"],
            )
        return render(request, "portal/link_expired.html", status=410)
    return render(request, "portal/link.html", {"form": form})


@portal_page
def deep_link(request, purpose, token):
    opened = services.open_deep_link(purpose=purpose, token=token)
    if opened is None:
        return render(request, "portal/link_expired.html", status=410)
    guardian, target_id = opened
    family = current_family(request)
    if family is None or family.pk != guardian.pk or request.session.get("portal_scope"):
        sign_in(request, guardian, scope={"purpose": purpose, "target": target_id})
    return redirect(services.deep_link_target(purpose, target_id))


@require_POST
def sign_out_view(request):
    response = redirect("portal:sign_in")
    family = current_family(request)
    if family is not None:  # the sign-in page that follows stays in the family's language
        request.session.setdefault(
            LANGUAGE_KEY, services.portal_language(family.preferred_language)
        )
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    if token:
        services.forget_device(token)
        response.delete_cookie(DEVICE_COOKIE, path="/family/")
    sign_out(request)
    return response


@require_POST
def language(request):
    form = LanguageForm(request.POST)
    if form.is_valid():
        request.session[LANGUAGE_KEY] = form.cleaned_data["language"]
    return redirect(_safe_next(request, request.POST.get("next", "")))


# --- the family's pages ------------------------------------------------------------------------


def _liaisons(household):
    return list(
        HouseholdAssignment.objects.current()
        .filter(household=household, role=AssignmentRole.LIAISON)
        .select_related("staff")
        .order_by("started_on")
    )


def _children(guardian):
    """The children this guardian is linked to and may hear about, with their current schools."""
    from django.db.models import Prefetch

    from liaison.people.models import Enrolment

    return list(
        Student.objects.filter(
            household_id=guardian.household_id,
            is_active=True,
            guardian_links__guardian=guardian,
            guardian_links__may_receive_communications=True,
        )
        .prefetch_related(
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.filter(is_active=True).select_related("site"),
                to_attr="current_enrolments",
            )
        )
        .distinct()
        .order_by("given_name")
    )


def _district_contact(guardian):
    district = guardian.household.district
    return {"phone": district.contact_phone, "email": district.contact_email, "name": district.name}


@family_required
def home(request):
    guardian = request.family
    threads = inbox.conversations_of(guardian)
    seen = services.threads_seen_at(guardian)
    return render(
        request,
        "portal/home.html",
        {
            "guardian": guardian,
            "children": _children(guardian),
            "liaisons": _liaisons(guardian.household),
            "contact": _district_contact(guardian),
            "new_messages": inbox.new_messages(guardian, threads, seen),
            "latest_news": inbox.announcements(guardian, limit=3),
            "invitations": family.upcoming_invitations(guardian, limit=3),
            "concerns": _concerns_shown(guardian),
        },
    )


@family_required
def children(request):
    guardian = request.family
    return render(
        request,
        "portal/children.html",
        {"children": _children(guardian), "liaisons": _liaisons(guardian.household)},
    )


@family_required
def liaison_photo(request, pk):
    """A liaison's photo, only for a family whose liaison they are."""
    from django.http import FileResponse

    assignment = next((a for a in _liaisons(request.family.household) if a.staff_id == pk), None)
    if assignment is None or not assignment.staff.photo:
        raise Http404
    return FileResponse(assignment.staff.photo.open("rb"))


@family_required
def preferences(request):
    guardian = request.family
    pref = services.preference_for(guardian)
    initial = {
        "language": services.portal_language(guardian.preferred_language),
        "channels": guardian.channels,
        "quiet_hours_start": pref.quiet_hours_start,
        "quiet_hours_end": pref.quiet_hours_end,
        "opt_out_announcements": pref.opt_out_announcements,
        "opt_out_events": pref.opt_out_events,
        "opt_out_reminders": pref.opt_out_reminders,
    }
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_preferences(
            guardian=guardian,
            language=data["language"],
            channels=data["channels"],
            quiet_hours_start=data["quiet_hours_start"],
            quiet_hours_end=data["quiet_hours_end"],
            opt_out_announcements=data["opt_out_announcements"],
            opt_out_events=data["opt_out_events"],
            opt_out_reminders=data["opt_out_reminders"],
        )
        request.session[LANGUAGE_KEY] = data["language"]
        activate_language(request, guardian)
        messages.success(request, _("Your choices are saved."))
        return redirect("portal:preferences")
    return render(request, "portal/preferences.html", {"form": form})


# --- messages from the school ------------------------------------------------------------------


@family_required
@require_http_methods(["GET", "POST"])
def conversations(request):
    """The family's threads with the school: with one, straight to it; with none, a form to write
    to the school (the household's shared thread); with several, the list."""
    guardian = request.family
    threads = inbox.conversations_of(guardian)
    if len(threads) == 1:
        return redirect("portal:conversation", pk=threads[0].pk)
    if threads:
        seen = services.threads_seen_at(guardian)
        rows = [
            (c, inbox.new_in_thread(guardian, c, seen.get(c.pk)), _thread_name(c)) for c in threads
        ]
        return render(request, "portal/conversations.html", {"rows": rows})
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            message = _reply(guardian, form, messaging.conversation_for(guardian.household))
            messages.success(request, _("Your message was sent to the school."))
            return redirect(
                reverse("portal:conversation", args=[message.conversation_id]) + "#latest"
            )
    return render(
        request, "portal/conversation.html", {"conversation": None, "items": [], "form": form}
    )


def _thread_name(conversation) -> str:
    if conversation.staff_id is None:
        return _("The school's family liaison team")
    staff = conversation.staff
    name = staff.get_full_name() or str(staff)
    # The job title as the school wrote it ("Grade 3 teacher"): a name alone says little to a family.
    return f"{name}, {staff.title}" if staff.title else name


def _reply(guardian, form, conversation):
    file = form.cleaned_data["attachment"]
    return messaging.record_family_reply(
        guardian=guardian,
        body=form.cleaned_data["body"],
        channel=MessagingChannel.PORTAL,
        attachments=[file] if file else (),
        conversation=conversation,
    )


@family_required(scope=DeepLinkPurpose.THREAD)
def conversation(request, pk):
    guardian = request.family
    threads = inbox.conversations_of(guardian)
    conv = next((c for c in threads if c.pk == pk), None)
    if conv is None:
        raise Http404
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            _reply(guardian, form, conv)
            messages.success(request, _("Your reply was sent to the school."))
            return redirect(reverse("portal:conversation", args=[pk]) + "#latest")
    items = inbox.thread(guardian, conv)
    services.mark_thread_seen(guardian=guardian, conversation=conv)
    return render(
        request,
        "portal/conversation.html",
        {
            "conversation": conv,
            "thread_name": _thread_name(conv),
            "several": len(threads) > 1,
            "items": items,
            "form": form,
        },
    )


@family_required
def announcements(request):
    return render(
        request, "portal/announcements.html", {"items": inbox.announcements(request.family)}
    )


@family_required(scope=DeepLinkPurpose.MESSAGE)
def announcement(request, pk):
    item = inbox.announcement(request.family, pk)
    if item is None:
        raise Http404
    return render(request, "portal/announcement.html", {"item": item})


@family_required
def attachment(request, pk):
    from django.http import FileResponse

    found = inbox.attachment(request.family, pk)
    if found is None:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


# --- events ------------------------------------------------------------------------------------


@family_required
def events(request):
    return render(
        request, "portal/events.html", {"items": family.upcoming_invitations(request.family)}
    )


@family_required(scope=DeepLinkPurpose.INVITATION)
def event(request, pk):
    """One invitation: the event in the family's language and their answer (yes/no/maybe, needs)."""
    from django.core.exceptions import ValidationError

    from liaison.events import services as events_services
    from liaison.events.choices import RsvpChannel

    item = family.household_invitation(request.family, pk)
    if item is None:
        raise Http404
    form = RsvpForm(
        request.POST if request.method == "POST" else None,
        initial=item.invitation.rsvp_initial(),
    )
    if request.method == "POST" and item.is_open and form.is_valid():
        try:
            events_services.respond(
                invitation=item.invitation, channel=RsvpChannel.PORTAL, **form.cleaned_data
            )
        except ValidationError:
            # Cancelled between the page and the answer: the page now says so.
            form.add_error(None, _("This event was cancelled. Your answer was not needed."))
        else:
            messages.success(request, _("Your answer is saved. Thank you."))
            return redirect("portal:event", pk=pk)
    return render(
        request,
        "portal/event.html",
        {
            "item": item,
            "event": item.event,
            "invitation": item.invitation,
            "when": events_services.when_text(item.event),
            "interpreting": [
                family.language_words(tag, request.LANGUAGE_CODE)
                for tag in item.event.interpretation
            ],
            "form": form,
        },
    )


# --- finding help ------------------------------------------------------------------------------


@family_required
def find_help(request):
    """The staff's directory search, for the family: their language, nearest to home first."""
    form = HelpSearchForm(request.GET or None)
    places = None
    if form.is_valid():
        places = family.find_help(
            request.family, text=form.search_text(), language=request.LANGUAGE_CODE
        )
    return render(request, "portal/help.html", {"form": form, "places": places})


# --- concerns ----------------------------------------------------------------------------------


def _concerns_shown(guardian) -> list[tuple[Any, str, str]]:
    """The family's open concerns on its home page: (concern, what about, where it stands)."""
    concerns = list(family.family_concerns(guardian, open_only=True)[:5])
    words = family.categories_words([c.category for c in concerns])
    return [(c, words[c.category_id], family.status_words(c)) for c in concerns]


@family_required
def concern_new(request):
    from django.core.exceptions import ValidationError

    guardian = request.family
    form = ConcernForm(
        request.POST if request.method == "POST" else None,
        categories=family.concern_categories(guardian.household.district),
        children=_children(guardian),
        staff=family.concern_staff(guardian),
    )
    if request.method == "POST" and form.is_valid():
        try:
            concern = family.raise_concern(
                guardian=guardian,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
                contact_preference=form.contact_preference(),
                students=form.chosen_children(),
                subject_staff=form.chosen_staff(),
            )
        except ValidationError:
            form.add_error("category", _("Choose what it is about."))
        else:
            return redirect("portal:concern", pk=concern.pk)
    return render(request, "portal/concern_new.html", {"form": form})


@family_required
def concern(request, pk):
    found = family.family_concerns(request.family).filter(pk=pk).first()
    if found is None:
        raise Http404
    return render(
        request,
        "portal/concern.html",
        {
            "concern": found,
            "category": family.category_words(found.category),
            "status": family.status_words(found),
            "liaisons": _liaisons(request.family.household),
            "contact": _district_contact(request.family),
        },
    )
