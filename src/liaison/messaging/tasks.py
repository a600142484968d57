"""Where messaging's background entry points used to live. Each is defined beside the work it runs
now (delivery.deliver_due, media.fetch_media, services.prepare_message_task); tasks queued before
that change name these paths, so the names stay here for a worker to find them."""

from liaison.messaging.delivery import deliver_due  # noqa: F401
from liaison.messaging.media import fetch_media  # noqa: F401
from liaison.messaging.services import prepare_message_task as prepare_message  # noqa: F401
