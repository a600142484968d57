"""Where the events app's background entry points used to live: they are defined beside their
operations in events/services.py now. Tasks queued before that change name these paths; the names
stay here so that a worker can still run them."""

from liaison.events.services import (  # noqa: F401
    send_cancel_notices_task,
    send_change_notices_task,
    send_due_reminders_task,
    send_invitations_task,
    send_promotions_task,
)
