"""The demo channel: prints what would be sent."""

import logging

from liaison.messaging.channels.base import ChannelBackend

log = logging.getLogger("liaison.messaging.console")


class Console(ChannelBackend):
    delivers_immediately = True

    def send(self, outgoing):
        log.info("[%s] to %s: %s %s", self.name, outgoing.to, outgoing.subject, outgoing.body)
        return f"console-{outgoing.delivery_id}"

    def reconcile(self, delivery, outgoing):
        return "sent", f"console-{delivery.pk}"
