"""Staff pages: the inbox, a household's thread, announcements, the unmatched-number queue."""

from dataclasses import dataclass

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, prefetch_related_objects
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liaison.core import kept, live, policy, reads
from liaison.core.htmx import is_htmx, partial
from liaison.core.paging import OnePassPaginator
from liaison.core.policy import Want
from liaison.core.policy import messaging as mpolicy
from liaison.language.services import district_for, translate_replies_for_staff
from liaison.messaging import progress, registry, saved_replies, services
from liaison.messaging.choices import (
    Channel,
    ConversationStatus,
    DeliveryState,
    Direction,
    FailureReason,
    MessageKind,
    SuppressionReason,
)
from liaison.messaging.forms import (
    AnnouncementForm,
    AssignForm,
    AttachForm,
    FailureGroupForm,
    MessageForm,
    SavedReplyForm,
    SwitchChannelForm,
)
from liaison.messaging.models import (
    Attachment,
    ChannelHealth,
    Conversation,
    Delivery,
    Message,
    PossibleOptOut,
    SavedAudience,
    SavedReply,
    Suppression,
    UnmatchedInbound,
)
from liaison.messaging.rows import inbox_rows
from liaison.people.models import Guardian, Household, Site, User


def attachment(request, pk):
    """A file in a household's thread (an email attachment, an MMS picture), for those who may
    read the thread; the download is logged like opening the thread."""
    from django.http import FileResponse

    found = get_object_or_404(Attachment.objects.select_related("message").exclude(file=""), pk=pk)
    if found.message.conversation_id is None:
        raise Http404
    conversation = policy.open_thread(request, found.message.conversation_id)
    household = conversation.household
    policy.record(
        request,
        kind="household",
        object_id=household.pk,
        household_id=household.pk,
        action="attachment",
    )
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


# --- inbox ---------------------------------------------------------------------------------------


INBOX_VIEWS = ("open", "mine", "unassigned", "sites", "awaiting", "done")
_NAMES = ("username", "first_name", "last_name")
INBOX_COLUMNS = (
    "household_id",
    "staff_id",
    "assigned_to_id",
    "status",
    "awaiting_since",
    "last_message_at",
    "household__name",
    *(f"staff__{f}" for f in _NAMES),
    *(f"assigned_to__{f}" for f in _NAMES),
)


def _inbox_rows(user, *, show: str):
    # The unread counts and newest messages are asked of the rows shown alone (_with_unread):
    # asked here, they were counted over every thread in scope before the page was cut.
    # Only the columns a row shows: 50 threads with a household and two people each are built
    # faster from a few columns than from every one.
    qs = (
        Conversation.objects.visible_to(user)
        .select_related("household", "assigned_to", "staff")
        .only(*INBOX_COLUMNS)
        .filter(last_message_at__isnull=False)
    )
    if show == "done":
        qs = qs.filter(status=ConversationStatus.DONE)
    else:
        qs = qs.filter(status=ConversationStatus.OPEN)
    if show == "mine":
        qs = qs.filter(assigned_to=user)
    elif show == "unassigned":
        qs = qs.filter(assigned_to__isnull=True)
    elif show == "sites":
        qs = qs.filter(household__in=Household.objects.of_sites(policy.access_for(user).site_ids))
    elif show == "awaiting":
        qs = qs.filter(awaiting_since__isnull=False)
    # Threads awaiting a staff reply first, oldest wait first; then the most recent.
    return qs.order_by(F("awaiting_since").asc(nulls_last=True), "-last_message_at")


def _with_unread(conversations, user) -> list[Message]:
    """Set `unread` and `latest_message_id` on the threads of a page, and return their newest
    messages (for the previews): one round trip for these rows (with whatever else the caller's
    batch asks), whatever the number of threads and messages in the person's scope."""
    if not conversations:
        return []
    shown = Conversation.objects.filter(pk__in=[c.pk for c in conversations])
    with reads.together():
        found = reads.later(
            shown.with_unread(user)
            .with_latest_message()
            .values_list("pk", "unread", "latest_message_id")
        )
        latest = reads.later(
            Message.objects.filter(
                pk__in=shown.with_latest_message().values("latest_message_id")
            ).only(*services.PREVIEW_COLUMNS)
        )
        counts = {pk: (unread, newest) for pk, unread, newest in found}
    for c in conversations:
        c.unread, c.latest_message_id = counts.get(c.pk, (0, None))
    return list(latest)


# The inbox's rows are kept in the live cache this long at most (and for the minute they were
# drawn in: the "waiting" ages are relative).
INBOX_KEPT_SECONDS = 120


@dataclass
class KeptPage:
    """A page of the inbox as kept: its rows drawn, and what the pager asks of a Page."""

    rows: str
    object_list: bool
    number: int
    num_pages: int

    @property
    def paginator(self) -> "KeptPage":
        return self

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _kept_inbox(request, show: str, watch) -> KeptPage:
    """The inbox's page of rows, drawn once and kept in the live cache under what they show: the
    person, their language, their scope (core/policy: scope_stamp), the list and page asked for,
    the versions of their districts' inboxes (every change of a thread bumps them, on commit),
    the threads they have read since (`reads:<person>`, bumped by mark_read) and the minute. An
    unchanged inbox is drawn from the cache with no query of its own."""
    user = request.user
    number = request.GET.get("page") or "1"
    key = ":".join(
        [
            "inbox-rows",
            str(user.pk),
            translation.get_language() or "",
            policy.scope_stamp(user),
            show,
            number[:12],
            timezone.now().strftime("%Y%m%d%H%M"),
            watch.version,
            live.version([f"reads:{user.pk}"]),
        ]
    )
    kept = caches["live"].get(key)
    if isinstance(kept, KeptPage):
        return kept
    page = OnePassPaginator(_inbox_rows(user, show=show), 50).get_page(number)
    page.object_list = list(page.object_list)  # the previews are set on the rows shown
    latest = _with_unread(page.object_list, user)
    services.message_previews(page.object_list, user, messages=latest)
    kept = KeptPage(
        rows=str(inbox_rows(page.object_list, now=timezone.now())),
        object_list=bool(page.object_list),
        number=page.number,
        num_pages=page.paginator.num_pages,
    )
    caches["live"].set(key, kept, timeout=INBOX_KEPT_SECONDS)
    return kept


@login_required
def inbox(request):
    if not mpolicy.can_use_inbox(request.user):
        raise Http404
    show = request.GET.get("show", "open")
    if show not in INBOX_VIEWS:
        show = "open"
    # The rows refresh when a thread of the person's districts changes (core/live.py); read
    # before the rows, so that a change in between shows again at the next refresh.
    districts = sorted(policy.access_for(request.user).district_ids)
    watch = live.watch(request, *(f"inbox:{d}" for d in districts))
    page = _kept_inbox(request, show, watch)
    context = {
        "page": page,
        "show": show,
        "watch": watch,
        "views": [
            ("open", _("Open")),
            ("mine", _("Assigned to me")),
            ("unassigned", _("Unassigned")),
            ("sites", _("My sites")),
            ("awaiting", _("Awaiting reply")),
            ("done", _("Done")),
        ],
        "rows": SafeString(page.rows),
        "unmatched_count": UnmatchedInbound.objects.filter(resolved_message__isnull=True).count()
        if mpolicy.can_handle_unmatched(request.user)
        else 0,
    }
    return render(request, partial(request, "messaging/inbox.html", "rows"), context)


# --- a thread ------------------------------------------------------------------------------------


# A thread's messages are kept drawn in the live cache this long at most (and only for the minute
# they were drawn in: see _kept_messages).
THREAD_KEPT_SECONDS = 120
# Stands for the request's CSRF token in the messages as kept; each answer puts its own in.
CSRF_STAND_IN = "liaison-kept-csrf-3f9a1c"


def _thread_context(request, conversation, form=None, *, page=True, watch=None):
    """What the thread page shows; page=False: only the messages (#thread), for the poll and an
    htmx send, which leave the rest of the page (other threads, assign form, restrictions) alone."""
    household = conversation.household
    # The thread refreshes itself when it changes (core/live.py). Its version is read before the
    # messages: a reply landing in between shows now, and again at the next refresh, never not.
    if watch is None:
        watch = live.watch(request, f"thread:{conversation.pk}")
    staff = (
        User.objects.filter(is_active=True)
        .staff_of(household.district)
        .order_by("last_name", "first_name")
    )
    may_message = mpolicy.can_message(request.user, household)
    key = _messages_key(request, conversation, watch)
    messages_html = caches["live"].get(key)
    # What else the page lists is read in one query (core/reads.py), with the messages and their
    # deliveries when they are drawn afresh.
    with reads.together():
        others = (
            reads.later(
                Conversation.objects.filter(household=household)
                .exclude(pk=conversation.pk)
                .select_related("staff")
                .order_by(F("staff_id").asc(nulls_first=True), "pk")
            )
            if page and may_message
            else []
        )
        offered = reads.later(staff) if page else None
        replies = saved_replies.for_composer(household, request.user) if page else []
        if not isinstance(messages_html, str):
            items = _thread_messages(request, conversation)
            messages_html = render_to_string(
                "messaging/conversation.html#messages",
                {
                    "conversation": conversation,
                    "items": items,
                    "may_opt_out": mpolicy.can_opt_out_number(request.user, conversation),
                    "switch_form": SwitchChannelForm(),
                    "now": timezone.now(),
                    "csrf_token": CSRF_STAND_IN,
                },
                request=request,
            )
            caches["live"].set(key, messages_html, timeout=THREAD_KEPT_SECONDS)
    # The family's guardians, read once: the restrictions shown and the call links (the page only).
    # Kept on the household: the saved replies' placeholders read them there too.
    if page:
        prefetch_related_objects([household], "guardians")
    guardians = list(household.guardians.all()) if page else []
    latest, _, messages_html = messages_html.partition("\n")
    return {
        "conversation": conversation,
        "other_threads": others,
        "may_assign": may_message,
        "household": household,
        "messages_html": SafeString(messages_html.replace(CSRF_STAND_IN, get_token(request))),
        "form": form or MessageForm(),
        "assign_form": AssignForm(
            initial={"staff": conversation.assigned_to_id}, candidates=staff, offered=offered
        ),
        "restricted": [g for g in guardians if g.contact_restricted],
        "calls": _call_links(request.user, guardians),
        "latest": latest,
        "watch": watch,
        "saved_replies": replies,
    }


def _messages_key(request, conversation, watch) -> str:
    """Where a thread's messages, drawn for this person, are kept: under what they show and
    depend on. The thread's version (every message, delivery, file, flag written to it bumps it
    on commit), the district's concerns (a message made a concern, a notice hidden with its
    concern), the person, their language, time zone, roles and places (core/policy: scope_stamp),
    and the minute (a scheduled message's "Scheduled for" ends when it goes out; anything else the
    thread's version does not follow is at most a minute old)."""
    user = request.user
    district = conversation.household.district_id
    return ":".join(
        [
            "thread-messages",
            str(conversation.pk),
            str(user.pk),
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            # The door has just asked the database whether this person opens the thread; what
            # else their scope changes in it (a notice about a concern now kept from them) may
            # be a minute old, as the scope version would cost a read.
            policy.scope_stamp(user, version=False),
            timezone.now().strftime("%Y%m%d%H%M"),
            watch.version,
            live.version([f"concerns:{district}"]),
            # Read with the thread by the door: a message written shows even before the
            # version's bump (which waits for the commit).
            conversation.last_message_at.isoformat() if conversation.last_message_at else "",
        ]
    )


def _thread_messages(request, conversation) -> list:
    """The thread's messages this person may read (the latest 100), each with its deliveries,
    files, actions, "may mean stop" flag and translation, as the messages part draws them."""
    household = conversation.household
    # The messages this person may read, newest first (the policy's filter built once).
    readable = conversation.messages.filter(
        registry.readable_messages(request.user, household)
    ).order_by("-created_at")
    shown = readable.values("pk")[:100]
    with reads.together():
        # The sent messages' deliveries, chosen by the same subquery as the messages.
        delivery_rows = reads.later(
            Delivery.objects.filter(message__in=shown, message__direction=Direction.OUT)
            .select_related("guardian")
            .order_by("pk")
        )
        # A reply's possible opt-out and detected language come along in the same query (one-to-one).
        items = list(
            reads.later(
                readable.select_related(
                    "guardian", "sent_by", "possible_opt_out", "detected_language"
                ).prefetch_related("attachments")[:100]
            )
        )
    items.reverse()
    deliveries: dict[int, list] = {}
    for d in delivery_rows:
        deliveries.setdefault(d.message_id, []).append(d)
    from_family = [m for m in items if m.direction == Direction.IN]
    actions = registry.message_actions(request.user, conversation, from_family)
    # Texts that may mean "stop": flagged until the number is opted out (by anyone, any way).
    flags = {m.pk: m.possible_opt_out for m in from_family if _read_along(m, "possible_opt_out")}
    opted_out = set(
        Suppression.objects.filter(
            channel=Channel.SMS,
            reason=SuppressionReason.OPT_OUT,
            address__in={f.address for f in flags.values()},
        ).values_list("address", flat=True)
    )
    # A family's reply in the reader's language: the whole thread's at once, not one per message.
    translations = translate_replies_for_staff(
        from_family,
        getattr(request.user, "interface_language", "") or "en",
        household.district,
        detected={
            m.pk: m.detected_language.detected_language
            for m in from_family
            if _read_along(m, "detected_language")
        },
    )
    for m in items:
        m.translation = translations.get(m.pk)
        m.delivery_list = deliveries.get(m.pk, [])
        m.actions = actions.get(m.pk, [])
        m.stop_flag = flags.get(m.pk)
        m.stop_flag_open = m.stop_flag is not None and m.stop_flag.address not in opted_out
    return items


def _read_along(message, relation: str) -> bool:
    """Whether the message has the one-to-one row its query read along (select_related)."""
    try:
        getattr(message, relation)
    except ObjectDoesNotExist:
        return False
    return True


def _call_links(user, guardians) -> list[dict]:
    """Each reachable guardian with a phone: the tel: link and where logging the call starts."""
    reachable = [g for g in guardians if g.is_active and not g.contact_restricted and g.phone]
    return [
        {"guardian": g, "log": registry.call_log_link(user, g)}
        for g in sorted(reachable, key=lambda g: (g.family_name, g.given_name))
    ]


def _write(request, household, conversation):
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        send_at = form.cleaned_data.get("send_at")
        try:
            services.send_message(
                household=household,
                body=form.cleaned_data["body"],
                by=request.user,
                attachments=[form.cleaned_data["attachment"]]
                if form.cleaned_data.get("attachment")
                else (),
                conversation=conversation,
                send_at=send_at,
                **saved_replies.as_sent(
                    form.cleaned_data.get("saved_reply"),
                    household=household,
                    by=request.user,
                    body=form.cleaned_data["body"],
                ),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if is_htmx(request):
                return render(
                    request,
                    "messaging/conversation.html#thread",
                    _thread_context(request, conversation, page=False),
                )
            flash.success(request, _("Message scheduled.") if send_at else _("Message sent."))
            return redirect(conversation)
    return form


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request, pk):
    conversation = policy.open_thread(request, pk)
    household = conversation.household
    return _thread_page(request, household, conversation)


def _thread_page(request, household, conversation):
    """A thread with its write form: GET shows it (and logs the household's record being read),
    POST sends, then shows it again (or the form with its errors, status 400)."""
    form = None
    if request.method == "POST":
        result = _write(request, household, conversation)
        if not isinstance(result, MessageForm):
            return result
        form = result
    policy.record(
        request,
        kind="household",
        object_id=household.pk,
        household_id=household.pk,
        action="messages",
    )
    services.mark_read(conversation=conversation, user=request.user)
    if form is not None:  # a message that could not be sent: the form with its errors, afresh
        return render(
            request,
            "messaging/conversation.html",
            _thread_context(request, conversation, form),
            status=400,
        )
    # The page after the door is drawn once and kept for this person (core/kept.py) while nothing
    # it shows changed: no row of the family's (of any table whose rows belong to one), none of
    # the tables it reads that belong to no family (registry.THREAD_TABLES) in the district, no
    # message of the thread (its live topic), and at most a minute (a scheduled
    # message's "Scheduled for" ends when it goes out): the door, the access-log row and the read
    # mark above run every time. The thread's watch (its signed poll query, its stream) belongs
    # to this browser's session: asked here, and part of what the kept page varies on.
    watch = live.watch(request, f"thread:{conversation.pk}")
    body = kept.part(
        f"thread:{conversation.pk}",
        request.user,
        make=lambda: kept.unbind_csrf(
            render_to_string(
                "messaging/conversation.html#page",
                _thread_context(request, conversation, watch=watch),
                request=request,
            )
        ),
        districts=[conversation.household.district_id],
        households=[conversation.household_id],
        tables=(registry.THREAD_TABLES,),
        topics=[f"thread:{conversation.pk}"],
        vary=(watch.query, timezone.now().strftime("%Y%m%d%H%M")),
        seconds=THREAD_KEPT_SECONDS,
    )
    household = conversation.household
    return render(
        request,
        "messaging/conversation.html",
        {"household": household, "body": SafeString(kept.bind_csrf(request, body))},
    )


@login_required
def conversation_messages(request, pk):
    """The thread's messages, fetched by htmx when the thread changed, so a family's reply appears
    without a reload. While nothing changes, its poll is answered 304 before it gets here
    (core.live.ConditionalPollMiddleware): an open thread costs no database work."""
    conversation = policy.open_thread(request, pk)
    services.mark_read(conversation=conversation, user=request.user)
    return render(
        request,
        "messaging/conversation.html#thread",
        _thread_context(request, conversation, page=False),
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_write(request, pk):
    household = policy.open_household(request, pk, Want.MESSAGE)
    return _thread_page(request, household, services.conversation_for(household))


@login_required
@require_http_methods(["GET", "POST"])
def household_write_own(request, pk):
    """A member of staff writes to the family as themselves (a teacher to a pupil's parents): their
    own thread with the household, which the family's replies come back to."""
    household = policy.fetch_household(request.user, pk)
    if mpolicy.can_message(request.user, household):
        # Those who read the shared thread write there.
        return redirect("messaging:household_write", pk=household.pk)
    if not mpolicy.can_write_own_thread(request.user, household):
        raise Http404
    return _thread_page(
        request, household, services.conversation_for(household, staff=request.user)
    )


@login_required
@require_POST
def conversation_assign(request, pk):
    conversation = policy.open_thread(request, pk, Want.MESSAGE)
    staff = User.objects.filter(is_active=True).staff_of(conversation.household.district)
    form = AssignForm(request.POST, candidates=staff)
    if form.is_valid():
        services.assign_conversation(
            conversation=conversation, to=form.cleaned_data["staff"], by=request.user
        )
        flash.success(request, _("Thread assigned."))
    else:
        flash.error(request, _("Choose a colleague from the list."))
    return redirect(conversation)


@login_required
@require_POST
def conversation_done(request, pk):
    conversation = policy.open_thread(request, pk)
    services.mark_conversation_done(conversation=conversation, by=request.user)
    flash.success(request, _("Marked done."))
    return redirect("messaging:inbox")


@login_required
@require_POST
def message_cancel(request, pk, message_pk):
    """Cancel a message scheduled for later, before it goes: whoever may write in the thread (its
    readers: a teacher's own thread is theirs)."""
    conversation = policy.open_thread(request, pk)
    message = get_object_or_404(
        conversation.messages.filter(direction=Direction.OUT, send_at__isnull=False),
        pk=message_pk,
    )
    try:
        services.cancel_scheduled(message=message, by=request.user)
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    else:
        flash.success(request, _("Scheduled message cancelled: it will not be sent."))
    return redirect(conversation)


@login_required
@require_POST
def message_opt_out(request, pk, message_pk):
    """One tap on a family's text that may mean "stop": opt out the number it came from."""
    # Whoever reads the thread may opt the number out (core.policy.messaging.can_opt_out_number).
    conversation = policy.open_thread(request, pk)
    flag = get_object_or_404(
        PossibleOptOut.objects.select_related("message__guardian__household__district"),
        message_id=message_pk,
        message__conversation=conversation,
    )
    services.opt_out_on_request(flag=flag, by=request.user)
    flash.success(
        request, _("This number will get no more texts. The family is told in their language.")
    )
    return redirect(conversation)


def _open_delivery(request, pk) -> Delivery:
    """A delivery to a family, through its household's door: for those who write to the family
    or read the thread it went out on."""
    delivery = get_object_or_404(
        Delivery.objects.select_related("message__conversation", "guardian__household"), pk=pk
    )
    conversation = delivery.message.conversation

    def reads_it(user, household) -> bool:
        return mpolicy.can_message(user, household) or (
            conversation is not None and mpolicy.can_read_thread(user, conversation)
        )

    policy.open_household(request, delivery.guardian.household_id, also=reads_it)
    return delivery


@login_required
@require_POST
def delivery_retry(request, pk):
    delivery = _open_delivery(request, pk)
    try:
        services.retry_delivery(delivery=delivery, by=request.user)
        flash.success(request, _("Sending again."))
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    return _back_to_thread(delivery)


@login_required
@require_POST
def delivery_switch(request, pk):
    delivery = _open_delivery(request, pk)
    form = SwitchChannelForm(request.POST)
    if form.is_valid():
        try:
            services.switch_channel(
                delivery=delivery, channel=form.cleaned_data["channel"], by=request.user
            )
            flash.success(request, _("Sending on the other channel."))
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
    else:
        flash.error(request, _("Choose a channel."))
    return _back_to_thread(delivery)


def _back_to_thread(delivery):
    """After retrying or switching a delivery: the thread it was written in."""
    if delivery.message.conversation_id:
        return redirect("messaging:conversation", pk=delivery.message.conversation_id)
    return redirect(services.conversation_for(delivery.guardian.household))


# --- announcements -------------------------------------------------------------------------------

# Sending to more families than this asks "Yes, send to N families" first.
CONFIRM_FAMILIES_ABOVE = 50


def _announcer_district(user):
    if not mpolicy.can_announce(user):
        raise Http404
    from liaison.people.models import District

    access = policy.access_for(user)
    districts = District.objects.order_by("pk")
    if not access.superuser:  # a superuser without a membership announces in the first district
        districts = districts.filter(pk__in=access.district_ids)
    district = districts.first()
    if district is None:
        raise Http404
    return district


def _announcer_sites(user, district):
    access = policy.access_for(user)
    sites = Site.objects.filter(district=district, is_active=True)
    if not access.is_admin:
        sites = sites.filter(pk__in=access.leader_site_ids)
    return sites


@login_required
def announcements(request):
    district = _announcer_district(request.user)
    items = (
        Message.objects.filter(district=district, kind=MessageKind.ANNOUNCEMENT)
        .select_related("sent_by")
        .annotate(
            sent=Count(
                "deliveries",
                filter=Q(deliveries__state__in=[DeliveryState.SENT, DeliveryState.DELIVERED]),
            ),
            failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
            waiting=Count("deliveries", filter=Q(deliveries__state__in=progress.WAITING)),
            not_sent=Count("deliveries", filter=Q(deliveries__state__in=progress.NOT_SENT)),
        )
        .order_by("-created_at")
    )
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    for m in page:
        m.progress = progress.announcement_progress(
            m, waiting=m.waiting, sent=m.sent, failed=m.failed, not_sent=m.not_sent
        )
    return render(request, "messaging/announcements.html", {"page": page, "district": district})


@login_required
@require_http_methods(["GET", "POST"])
def announcement_new(request):
    user = request.user
    district = _announcer_district(user)
    sites = _announcer_sites(user, district)
    saved = SavedAudience.objects.filter(district=district)
    # Other apps link here with an audience chosen (?source=insights&source_param=...).
    initial = {k: request.GET[k] for k in ("source", "source_param", "subject") if k in request.GET}
    form = AnnouncementForm(request.POST or None, initial=initial, sites=sites, saved=saved)
    preview = None
    confirm = None
    if request.method == "POST" and form.is_valid():
        audience = form.audience()
        if not policy.access_for(user).is_admin and not audience.sites:
            audience.sites = list(sites.values_list("pk", flat=True))
        families = (
            services.announcement_families(district=district, audience=audience, user=user)
            if "send" in request.POST
            else 0
        )
        if families > CONFIRM_FAMILIES_ABOVE and request.POST.get("confirm_families") != str(
            families
        ):
            # A large send is confirmed on the server with its count: the form comes back with
            # everything typed and a "Yes, send to N families" button (asked again if N changes).
            confirm = families
        elif "send" in request.POST:
            message = services.send_announcement(
                district=district,
                audience=audience,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                by=user,
                urgent=form.cleaned_data["urgent"],
                send_at=form.cleaned_data.get("send_at"),
                source_language=user.interface_language or "en",
                hold_untranslated=form.cleaned_data["hold_untranslated"],
            )
            flash.success(
                request,
                _("Announcement scheduled.")
                if form.cleaned_data.get("send_at")
                else _("Announcement is being sent."),
            )
            return redirect("messaging:announcement", message.pk)
        preview = services.preview_announcement(
            district=district,
            audience=audience,
            user=user,
            urgent=form.cleaned_data["urgent"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            source_language=user.interface_language or "en",
        )
    template = "messaging/announcement_form.html"
    if is_htmx(request) and preview is not None and confirm is None:
        template += "#preview"
    return render(
        request,
        template,
        {"form": form, "preview": preview, "district": district, "confirm": confirm},
    )


def _announcement_or_404(user, pk):
    district = _announcer_district(user)
    return get_object_or_404(
        Message.objects.select_related("sent_by"),
        pk=pk,
        district=district,
        kind=MessageKind.ANNOUNCEMENT,
    )


@login_required
def announcement(request, pk):
    message = _announcement_or_404(request.user, pk)
    state_names = dict(DeliveryState.choices)
    channel_names = dict(Channel.choices)
    by_state = dict(
        message.deliveries.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    by_channel = dict(
        message.deliveries.values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    # Failures grouped by reason, in words; the oldest rows (failed before reasons were kept)
    # fall under "turned away".
    reason_names = dict(FailureReason.choices)
    groups: dict[str, int] = {}
    for failure, n in (
        message.deliveries.filter(state=DeliveryState.FAILED)
        .values_list("failure")
        .annotate(n=Count("pk"))
        .values_list("failure", "n")
    ):
        key = failure or FailureReason.REFUSED
        groups[key] = groups.get(key, 0) + n
    failed = message.deliveries.filter(state=DeliveryState.FAILED).select_related(
        "guardian__household"
    )[:50]
    outages = [
        (channel_names.get(h.channel, h.channel), h.failing_since, h.last_error)
        for h in ChannelHealth.objects.filter(
            district_id=message.district_id, failing_since__isnull=False
        )
    ]
    return render(
        request,
        "messaging/announcement.html",
        {
            "message": message,
            "progress": progress.announcement_progress(
                message, **progress.counts_by_state(by_state)
            ),
            "by_state": sorted((state_names.get(k, k), n) for k, n in by_state.items()),
            "by_channel": sorted((channel_names.get(k, k), n) for k, n in by_channel.items()),
            "failure_groups": [
                (reason, reason_names[reason], n) for reason, n in sorted(groups.items())
            ],
            "can_resend": mpolicy.can_resend_announcement(request.user, message),
            "outages": outages,
            "failed": failed,
            "states": DeliveryState,
        },
    )


def _failure_group(request, pk):
    """The announcement and the failure group a resend action is for; 404 when not allowed."""
    message = _announcement_or_404(request.user, pk)
    if not mpolicy.can_resend_announcement(request.user, message):
        raise Http404
    form = FailureGroupForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else None
    if reason is None:
        flash.error(request, _("Choose a group of failed messages."))
    elif reason == FailureReason.REFUSED:
        reason = [FailureReason.REFUSED, ""]  # rows from before reasons were kept count here
    return message, reason


@login_required
@require_POST
def announcement_retry_failed(request, pk):
    message, reason = _failure_group(request, pk)
    if reason is not None:
        count = sum(
            services.retry_failed(message=message, reason=r, by=request.user)
            for r in (reason if isinstance(reason, list) else [reason])
        )
        flash.success(request, _("Sending %(count)s messages again.") % {"count": count})
    return redirect("messaging:announcement", message.pk)


@login_required
@require_POST
def announcement_switch_failed(request, pk):
    message, reason = _failure_group(request, pk)
    if reason is not None:
        switched = left = 0
        for r in reason if isinstance(reason, list) else [reason]:
            done, rest = services.switch_failed(message=message, reason=r, by=request.user)
            switched, left = switched + done, left + rest
        text = _("Sending %(count)s messages on the other channel.") % {"count": switched}
        if left:
            text += " " + _(
                "%(count)s could not be switched: no address there, opted out, or restricted."
            ) % {"count": left}
        flash.success(request, text)
    return redirect("messaging:announcement", message.pk)


# --- unmatched numbers ---------------------------------------------------------------------------


@login_required
def unmatched(request):
    if not mpolicy.can_handle_unmatched(request.user):
        raise Http404
    items = UnmatchedInbound.objects.filter(resolved_message__isnull=True).order_by("-received_at")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/unmatched.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def unmatched_attach(request, pk):
    if not mpolicy.can_handle_unmatched(request.user):
        raise Http404
    item = get_object_or_404(UnmatchedInbound, pk=pk, resolved_message__isnull=True)
    guardians = (
        Guardian.objects.visible_to(request.user)
        .filter(is_active=True, contact_restricted=False)
        .select_related("household")
        .order_by("family_name", "given_name")
    )
    query = request.GET.get("q", "")[:100]
    shown = guardians
    if query:
        shown = guardians.filter(
            Q(family_name__icontains=query)
            | Q(given_name__icontains=query)
            | Q(household__name__icontains=query)
        )
    form = AttachForm(request.POST or None, guardians=guardians)
    if request.method == "POST" and form.is_valid():
        message = services.attach_unmatched(
            item=item, guardian=form.cleaned_data["guardian"], by=request.user
        )
        flash.success(request, _("Added to the family's thread."))
        return redirect("messaging:conversation", message.conversation_id)
    return render(
        request,
        "messaging/unmatched_attach.html",
        {"item": item, "form": form, "query": query, "shown": shown[:50]},
    )


# --- saved replies -------------------------------------------------------------------------------


def _replies_district(user):
    if not mpolicy.can_use_saved_replies(user):
        raise Http404
    district = district_for(user)
    if district is None:
        raise Http404
    return district


@login_required
@require_http_methods(["GET", "POST"])
def saved_replies_page(request):
    """The district's saved replies; those who may manage them add one here."""
    district = _replies_district(request.user)
    may_manage = mpolicy.can_manage_saved_replies(request.user)
    form = SavedReplyForm(request.POST or None)
    if request.method == "POST":
        if not may_manage:
            raise Http404
        if form.is_valid():
            services.save_reply(
                district=district,
                name=form.cleaned_data["name"],
                body=form.cleaned_data["body"],
                is_active=form.cleaned_data["is_active"],
                by=request.user,
            )
            flash.success(request, _("Saved reply added."))
            return redirect("messaging:saved_replies")
    replies = (
        SavedReply.objects.filter(district=district)
        .select_related("template")
        .annotate(languages=Count("template__translations"))
        .order_by("-is_active", "template__name")
    )
    return render(
        request,
        "messaging/saved_replies.html",
        {"replies": replies, "form": form, "may_manage": may_manage},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def saved_reply_edit(request, pk):
    district = _replies_district(request.user)
    if not mpolicy.can_manage_saved_replies(request.user):
        raise Http404
    reply = get_object_or_404(
        SavedReply.objects.filter(district=district).select_related("template"), pk=pk
    )
    form = SavedReplyForm(
        request.POST or None,
        initial={
            "name": reply.template.name,
            "body": reply.template.body,
            "is_active": reply.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.save_reply(
            district=district,
            reply=reply,
            name=form.cleaned_data["name"],
            body=form.cleaned_data["body"],
            is_active=form.cleaned_data["is_active"],
            by=request.user,
        )
        flash.success(request, _("Saved reply updated."))
        return redirect("messaging:saved_replies")
    return render(
        request,
        "messaging/saved_reply_form.html",
        {"reply": reply, "form": form},
        status=400 if form.errors else 200,
    )
