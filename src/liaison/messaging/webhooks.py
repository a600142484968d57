"""Endpoints providers and families' mail clients call: inbound SMS, status callbacks, inbound email, unsubscribe."""

import hmac
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from twilio.request_validator import RequestValidator

from liaison.messaging import inbound, services
from liaison.messaging.media import from_webhook
from liaison.messaging.tokens import read_unsubscribe_token

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
REPLY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>{text}</Message></Response>'


def _public_url(request) -> str:
    """The URL the provider signed: our public base (behind a proxy the request's host is not it)."""
    return settings.PUBLIC_URL + request.get_full_path()


def _twilio_signature_ok(request) -> bool:
    token = settings.MESSAGING_SMS_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    params = {k: request.POST.get(k) for k in request.POST}
    return validator.validate(_public_url(request), params, signature)


def _field(request, name: str, limit: int | None = None) -> str:
    """A posted value as text the database keeps: no NUL bytes (PostgreSQL refuses them), and no
    longer than its column (a signed request from a misbehaving provider is still no reason for a 500)."""
    value = request.POST.get(name, "").replace("\x00", "")
    return value[:limit] if limit else value


@csrf_exempt
@require_POST
def sms_inbound(request):
    if not _twilio_signature_ok(request):
        return HttpResponseForbidden("bad signature")
    media = from_webhook(request.POST)  # fetched by a task once the message is stored
    result = inbound.handle_inbound_sms(
        sender=_field(request, "From", 254),
        body=_field(request, "Body"),
        provider_id=_field(request, "MessageSid", 100),
        media=media,
    )
    if result.get("reply"):
        # An answer owed to a number no guardian has (its STOP confirmation): the provider sends it
        # back to the sender, since no delivery row can name a guardian for it.
        return HttpResponse(
            REPLY_TWIML.format(text=escape(result["reply"])), content_type="text/xml"
        )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def sms_status(request):
    if not _twilio_signature_ok(request):
        return HttpResponseForbidden("bad signature")
    services.record_delivery_status(
        provider_id=_field(request, "MessageSid", 100),
        status=_field(request, "MessageStatus", 40),
        error_code=_field(request, "ErrorCode", 40),
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def email_inbound(request):
    """The mail server posts the raw message (RFC 5322) with the shared token in `Authorization: Bearer`."""
    expected = settings.MESSAGING_INBOUND_EMAIL_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    # As bytes: a header with characters outside ASCII is a wrong token, not a server error.
    if not expected or not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        return HttpResponseForbidden("bad token")
    result = inbound.handle_inbound_email(request.body)
    return HttpResponse(result["outcome"], content_type="text/plain", status=202)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """RFC 8058: a POST with the token alone unsubscribes (no sign-in, no redirect); GET asks first."""
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return HttpResponse(status=404)
    channel, address = parsed
    _speak_the_familys_language(request, channel, address)
    if request.method == "POST":
        services.opt_out(channel=channel, address=address, detail="List-Unsubscribe")
        return render(request, "messaging/unsubscribed.html", {"done": True})
    return render(request, "messaging/unsubscribed.html", {"done": False})


def _speak_the_familys_language(request, channel: str, address: str) -> None:
    """The page in the language of the guardian the email went to (the portal catalogues have it),
    not the browser's: the link is opened from that family's email."""
    from liaison.people.models import Guardian

    field = "email__iexact" if channel == "email" else "phone"
    tag = (
        Guardian.objects.filter(**{field: address})
        .exclude(preferred_language="")
        .values_list("preferred_language", flat=True)
        .first()
    )
    if not tag:
        return
    try:
        language = translation.get_supported_language_variant(tag)
    except LookupError:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
