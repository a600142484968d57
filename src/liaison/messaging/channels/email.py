"""Email through Django's mailers (MAILERS, SMTP by default).

Announcements carry List-Unsubscribe with an https link and a mailto, and
List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058). The Message-ID is made from the
delivery, so a receiving client can tell a duplicate; SMTP itself takes no idempotency key, so a
worker that died mid-hand-over leaves the row for a person to check rather than sending again.
"""

import contextlib
import email.policy
import smtplib
import threading

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage

from liaison.messaging.channels.base import (
    ChannelBackend,
    PermanentFailure,
    TemporaryFailure,
    Uncertain,
)


class _UnfoldedLinks(EmailMessage):
    """An email whose List-Unsubscribe reaches mail clients as written.

    Its https link is longer than the 78 characters a line is folded at, and a mail library that
    cannot fold a long word encodes it as RFC 2047 encoded-words, which no client reads as a link
    (Gmail then shows no unsubscribe). RFC 5322 allows lines of up to 998 characters.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


class DjangoEmail(ChannelBackend):
    def __init__(self, name):
        super().__init__(name)
        self._local = threading.local()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = mail.mailers[settings.MESSAGING_MAILER]
            self._local.conn = conn
        return conn

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                conn.close()
            self._local.conn = None

    def build(self, outgoing) -> EmailMessage:
        domain = settings.MESSAGING_EMAIL_DOMAIN
        headers = {"Message-ID": f"<{outgoing.idempotency_key}@{domain}>"}
        if outgoing.unsubscribe_url:
            links = [f"<{outgoing.unsubscribe_url}>"]
            if outgoing.unsubscribe_mailto:
                links.append(f"<mailto:{outgoing.unsubscribe_mailto}>")
            headers["List-Unsubscribe"] = ", ".join(links)
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg = (_UnfoldedLinks if "List-Unsubscribe" in headers else EmailMessage)(
            subject=outgoing.subject or settings.MESSAGING_DEFAULT_SUBJECT,
            body=outgoing.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[outgoing.to],
            reply_to=[outgoing.reply_to] if outgoing.reply_to else None,
            headers=headers,
        )
        for name, content, content_type in outgoing.attachments:
            msg.attach(name, content, content_type)
        return msg

    def send(self, outgoing):
        msg = self.build(outgoing)
        conn = self._connection()
        try:
            conn.send_messages([msg])
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, text = next(iter(exc.recipients.values()))
            if 500 <= code < 600:
                raise PermanentFailure(f"{code} {text!r}", unreachable=True) from exc
            raise TemporaryFailure(f"{code} {text!r}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except TimeoutError as exc:
            self.close()
            raise Uncertain(f"mail server stopped answering: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Refused or dropped before the server accepted the message: nothing was taken.
            self.close()
            raise TemporaryFailure(f"mail server unavailable: {exc}") from exc
        return msg.extra_headers["Message-ID"].strip("<>")
