"""Pictures and files families send by text (MMS): named in the webhook, fetched afterwards.

The provider's webhook names each media item by URL (`MediaUrl0`…, `MediaContentType0`…). The
webhook stores a pending Attachment and answers at once; a background task then fetches the
file with the account's credentials, within the attachment size limit, and keeps it with the
message. Only the provider's own hosts are asked (a URL elsewhere is refused, not fetched), and a
failed fetch is kept with its reason for staff to see: nothing the family sent disappears.
"""

import logging
import mimetypes
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.tasks import task

from liaison.core import live

log = logging.getLogger(__name__)

MAX_ITEMS = 10  # Twilio sends at most ten media items with one message


@dataclass(frozen=True)
class RemoteMedia:
    """An item the provider holds for us, to be fetched after the message is stored."""

    url: str
    content_type: str = ""

    def as_pair(self) -> list[str]:
        return [self.url, self.content_type]


class MediaError(Exception):
    """Why a media item could not be kept (shown to staff beside the message)."""


def from_webhook(post) -> list[RemoteMedia]:
    """The media a Twilio-style inbound webhook names; items with no usable URL are left out."""
    try:
        count = min(int(post.get("NumMedia") or 0), MAX_ITEMS)
    except ValueError:
        return []
    items = []
    for i in range(count):
        url = (post.get(f"MediaUrl{i}") or "").replace("\x00", "").strip()
        content_type = (post.get(f"MediaContentType{i}") or "").replace("\x00", "").strip()
        if url and len(url) <= 1000 and urlsplit(url).scheme in ("http", "https"):
            items.append(RemoteMedia(url=url, content_type=content_type[:100]))
    return items


def allowed_hosts() -> set[str]:
    """The provider's API host and any configured media hosts (LIAISON_SMS_MEDIA_HOSTS)."""
    hosts = {urlsplit(settings.MESSAGING_SMS_BASE_URL).hostname or ""}
    hosts.update(h.strip().lower() for h in settings.MESSAGING_SMS_MEDIA_HOSTS if h.strip())
    return {h for h in hosts if h}


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    base = urlsplit(settings.MESSAGING_SMS_BASE_URL)
    if parts.hostname not in allowed_hosts():
        raise MediaError(f"not fetched: {parts.hostname or 'no host'} is not the SMS provider")
    # Plain http only where the provider itself is configured on http (a local gateway).
    if parts.scheme != "https" and not (parts.scheme == base.scheme == "http"):
        raise MediaError("not fetched: the address is not https")


def download(url: str) -> tuple[bytes, str]:
    """(content, content type) of one media item, or MediaError saying what went wrong."""
    _check_url(url)
    limit = settings.MESSAGING_MAX_ATTACHMENT_BYTES
    auth = None
    if settings.MESSAGING_SMS_ACCOUNT_SID:
        auth = (settings.MESSAGING_SMS_ACCOUNT_SID, settings.MESSAGING_SMS_AUTH_TOKEN)
    try:
        # requests drops the credentials when the provider redirects to its file store.
        with requests.get(
            url, auth=auth, stream=True, timeout=settings.MESSAGING_SMS_TIMEOUT
        ) as response:
            if response.status_code == 404:
                raise MediaError("the provider no longer has this file (deleted or expired)")
            if response.status_code >= 400:
                raise MediaError(f"the provider answered {response.status_code}")
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > limit:
                raise MediaError(f"too large ({declared:,} bytes; the limit is {limit:,})")
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise MediaError(f"too large (over the limit of {limit:,} bytes)")
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            return b"".join(chunks), content_type
    except requests.RequestException as exc:
        raise MediaError(f"could not reach the provider ({type(exc).__name__})") from None


def file_name(attachment_id: int | None, content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type or "") or ".bin"
    return (
        f"text-message-{attachment_id}{extension}" if attachment_id else f"text-message{extension}"
    )


def fetch(attachment_id: int) -> bool:
    """Fetch one pending item; True when the file is now kept. Safe to run twice."""
    from liaison.messaging.models import Attachment

    attachment = Attachment.objects.filter(pk=attachment_id, file="").exclude(source_url="").first()
    if attachment is None:
        return False
    try:
        content, content_type = download(attachment.source_url)
    except MediaError as exc:
        log.warning("MMS media %s not kept: %s", attachment_id, exc)
        Attachment.objects.filter(pk=attachment_id).update(fetch_error=str(exc)[:300])
        _thread_changed(attachment.message_id)
        return False
    content_type = content_type or attachment.content_type
    attachment.content_type = content_type[:100]
    attachment.name = file_name(attachment_id, content_type)
    attachment.size = len(content)
    attachment.fetch_error = ""
    attachment.file.save(attachment.name, ContentFile(content), save=False)
    attachment.save(update_fields=["file", "name", "content_type", "size", "fetch_error"])
    _thread_changed(attachment.message_id)
    return True


def _thread_changed(message_id: int) -> None:
    """The thread showing the file (or why it could not be kept) refreshes on open screens."""
    from liaison.messaging.models import Message

    conversation_id = (
        Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    )
    if conversation_id:
        live.changed(f"thread:{conversation_id}")


def keep(message, items) -> None:
    """Pending attachments for `items` on `message`, fetched by a task after the commit."""
    from liaison.messaging.models import Attachment

    for item in items:
        attachment = Attachment.objects.create(
            message=message,
            name=file_name(None, item.content_type),
            content_type=item.content_type,
            source_url=item.url,
        )
        transaction.on_commit(lambda pk=attachment.pk: enqueue_media_fetch(pk))


def fetch_pending() -> tuple[int, int]:
    """Fetch every item still pending (a lost task, a provider that was down): (kept, failed)."""
    from liaison.messaging.models import Attachment

    kept = failed = 0
    pending = Attachment.objects.filter(file="", fetch_error="").exclude(source_url="")
    for pk in pending.values_list("pk", flat=True).order_by("pk"):
        if fetch(pk):
            kept += 1
        else:
            failed += 1
    return kept, failed


# --- the background entry point (beside the fetch it runs) -------------------------------------


@task()
def fetch_media(attachment_id: int) -> bool:
    """Fetch a picture or file a family sent by text."""
    return fetch(attachment_id)


def enqueue_media_fetch(attachment_id: int) -> None:
    """Ask a worker to fetch an MMS item. Never fails the webhook: `liaison fetch-media` (or the
    next worker pass) picks up what is still pending."""
    try:
        fetch_media.enqueue(attachment_id)
    except Exception:
        log.exception("could not enqueue the media fetch for attachment %s", attachment_id)


def delete_stored_file(sender, instance, **kwargs) -> None:
    """A deleted attachment's file goes too, from the disk or the bucket: an erased family's
    pictures must not outlive the record (a cascade from the conversation sends this as well).
    Only once the deletion is committed: a rolled-back erasure keeps its files."""
    if instance.file:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))
