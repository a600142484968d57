"""Signing requests the way Twilio does (HMAC-SHA1 over the public URL and the sorted form)."""

from django.conf import settings
from twilio.request_validator import RequestValidator


def post_signed(client, path, data, *, token=None, signature=None):
    token = token or settings.MESSAGING_SMS_AUTH_TOKEN
    url = settings.PUBLIC_URL + path
    signature = signature or RequestValidator(token).compute_signature(url, data)
    return client.post(path, data, headers={"X-Twilio-Signature": signature})


def inbound(client, sender, body, sid):
    return post_signed(
        client,
        "/messages/sms/inbound/",
        {"From": sender, "To": "+16175550199", "Body": body, "MessageSid": sid},
    )
