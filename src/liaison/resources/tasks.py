"""Where the resources app's background entry point used to live: send_referral_reminder is defined
beside its service now; tasks queued before that name this path, so the name stays for a worker."""

from liaison.resources.services import send_referral_reminder  # noqa: F401
