"""Email through Django's mailers (MAILERS, SMTP by default).

Announcements carry List-Unsubscribe with an https link and a mailto, and
List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058). The Message-ID is made from the
delivery, so a receiving client can tell a duplicate.

Each email is its own SMTP transaction (MAIL, RCPT, then DATA), and the drain commits "sending" for
that one delivery just before DATA (`outgoing.handover.begin()`). SMTP takes no idempotency key, so
only a message whose DATA was in flight when a worker died is left for a person to check; the
rest of a killed worker's batch was never offered to the server and is simply sent again.

What an answer means: a 5xx to RCPT is about the recipient (a hard bounce: that delivery fails and
the address is suppressed); a refused connection, a timeout before DATA, a 4xx or 421 from the
server, a refused sender are about the channel (ChannelUnavailable: the channel pauses and its
deliveries wait).
"""

import contextlib
import email.policy
import smtplib
import threading

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from liaison.messaging.channels.base import (
    ChannelBackend,
    ChannelUnavailable,
    NotHeld,
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
    marks_each_handover = True

    def __init__(self, name):
        super().__init__(name)
        self._local = threading.local()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        # A mailer made from other settings (tests change MAILERS) is not reused.
        config = getattr(settings, "MAILERS", {}).get(settings.MESSAGING_MAILER)
        if conn is not None and getattr(self._local, "config", None) != config:
            self.close()
            conn = None
        if conn is None:
            conn = mail.mailers[settings.MESSAGING_MAILER]
            self._local.conn = conn
            self._local.config = config
        return conn

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                conn.close()
            self._local.conn = None

    def build(self, outgoing) -> EmailMessage:
        domain = settings.MESSAGING_EMAIL_DOMAIN
        # The family reads DEFAULT_FROM_EMAIL; bounces (RFC 3464 reports) go to the envelope sender,
        # a reply address the mail server hands to Liaison, which marks the address unreachable.
        headers = {
            "Message-ID": f"<{outgoing.idempotency_key}@{domain}>",
            "From": settings.DEFAULT_FROM_EMAIL,
        }
        if outgoing.unsubscribe_url:
            links = [f"<{outgoing.unsubscribe_url}>"]
            if outgoing.unsubscribe_mailto:
                links.append(f"<mailto:{outgoing.unsubscribe_mailto}>")
            headers["List-Unsubscribe"] = ", ".join(links)
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg = (_UnfoldedLinks if "List-Unsubscribe" in headers else EmailMessage)(
            subject=outgoing.subject or settings.MESSAGING_DEFAULT_SUBJECT,
            body=outgoing.body,
            from_email=settings.MESSAGING_BOUNCE_ADDRESS,
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
        handover = outgoing.handover
        progress = {"began": False}
        try:
            if isinstance(conn, SMTPBackend):
                self._transaction(conn, msg, handover, progress)
            else:  # locmem, console, file: nothing in between to mark
                if handover is not None and not handover.begin():
                    raise NotHeld(f"delivery {outgoing.delivery_id} was taken over")
                progress["began"] = True
                conn.send_messages([msg])
        except NotHeld:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, text = next(iter(exc.recipients.values()))
            if code == 421:
                raise ChannelUnavailable(f"{code} {text!r}") from exc
            if 500 <= code < 600:
                raise PermanentFailure(f"{code} {text!r}", unreachable=True) from exc
            raise TemporaryFailure(f"{code} {text!r}") from exc
        except smtplib.SMTPDataError as exc:
            self.close()
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise ChannelUnavailable(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            if progress["began"]:
                # The message was on its way when the server went silent or the line dropped.
                raise Uncertain(f"mail server stopped answering during DATA: {exc!r}") from exc
            # Refused, dropped or silent before the message was offered: nothing was taken.
            raise ChannelUnavailable(f"mail server unavailable: {exc!r}") from exc
        return msg.extra_headers["Message-ID"].strip("<>")

    def _transaction(self, conn, msg, handover, progress) -> None:
        """One SMTP transaction for one email; "sending" is committed right before DATA.

        Sets progress["began"] once DATA is under way (an error after it is "uncertain"); raises
        like smtplib.sendmail does.
        """
        with conn._lock:
            conn.open()
            smtp = conn.connection
            sender = conn.prep_address(msg.from_email)
            recipients = [conn.prep_address(a) for a in msg.recipients()]
            data = msg.message(policy=email.policy.SMTP).as_bytes()
            smtp.ehlo_or_helo_if_needed()
            options = []
            if smtp.does_esmtp and smtp.has_extn("size"):
                options.append(f"size={len(data)}")
            code, text = smtp.mail(sender, options)
            if code != 250:
                self._reset(smtp)
                raise smtplib.SMTPSenderRefused(code, text, sender)
            refused = {}
            for rcpt in recipients:
                code, text = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    refused[rcpt] = (code, text)
            if refused:
                self._reset(smtp)
                raise smtplib.SMTPRecipientsRefused(refused)
            if handover is not None and not handover.begin():
                self._reset(smtp)
                raise NotHeld("taken over by another worker")
            progress["began"] = True
            code, text = smtp.data(data)
            if code != 250:
                self._reset(smtp)
                raise smtplib.SMTPDataError(code, text)

    @staticmethod
    def _reset(smtp):
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.rset()
