"""Hostile input through every form, webhook and importer on main: a clean 4xx, or safe storage
and escaped rendering; never a 500, never a hostile string in a header.

Forms are discovered by walking the URLconf: every page of the access matrix is opened as a
district admin (for an in-scope family), each POST form on it is filled with the corpus (hidden
fields and choices kept), and posted.
"""

import base64
import hashlib
import hmac
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.urls import reverse

from tests.access import family
from tests.audit import hostile
from tests.core.test_access_matrix import NO_RECORD, ROWS

TEXT_TYPES = {"text", "email", "tel", "search", "url", "number", "date", "time", "password", ""}


class FormFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "text": []}
        elif self._form is None:
            return
        elif tag == "input":
            name, kind = a.get("name"), (a.get("type") or "").lower()
            if not name or kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._form["fields"].setdefault(name, a.get("value", "on"))
                return
            self._form["fields"][name] = a.get("value", "")
            if kind in TEXT_TYPES:
                self._form["text"].append(name)
        elif tag == "textarea" and a.get("name"):
            self._form["fields"][a["name"]] = ""
            self._form["text"].append(a["name"])
            self._textarea = a["name"]
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if value and self._select not in self._form["fields"]:
                self._form["fields"][self._select] = value

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def post_forms(html: str) -> list[dict]:
    finder = FormFinder()
    finder.feed(html)
    return finder.forms


def assert_safe_response(response, where):
    assert response.status_code < 500, f"{where}: {response.status_code}"
    for header, value in response.items():
        for marker in hostile.HEADER_MARKERS:
            assert marker not in value, f"{where}: {marker!r} reached header {header}"
    if "text/html" in response.get("Content-Type", ""):
        html = response.content.decode("utf-8", "replace")
        for markup in hostile.LIVE_MARKUP:
            assert markup not in html, f"{where}: live {markup!r}"


def _pages(world):
    household = family(world, "caseload")
    for name, row in sorted(ROWS.items()):
        if row.method == "get":
            yield name, reverse(name, args=row.args(world, household))
    for name in sorted(NO_RECORD):
        yield name, reverse(name)


def _forms(client, world):
    """(page name, page url, form) for every POST form on every page an admin can open."""
    out = []
    for name, url in _pages(world):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for form in post_forms(response.content.decode()):
            action = urljoin(url, form["action"]) if form["action"] else url
            if action.startswith(("/sign-out/", "/i18n/")):
                continue
            out.append((name, action, form))
    return out


def test_every_form_takes_the_hostile_corpus_without_harm(client, world):
    client.force_login(world.admin)
    forms = _forms(client, world)
    actions = {action for _, action, _ in forms}
    # Discovery reached the forms that write family records.
    household = world.caseload_family
    assert reverse("people:household_edit", args=[household.pk]) in actions
    assert reverse("people:guardian_new", args=[household.pk]) in actions
    assert reverse("audit:household_export", args=[household.pk]) in actions
    assert len(forms) >= 8
    seen = set()
    for name, action, form in forms:
        if "erase" in action or action in seen:
            continue  # erasing the family would end the test early; erase forms below
        seen.add(action)
        # One field at a time, the others keeping the valid values the page showed, so that a
        # hostile string that passes validation is really stored.
        for field in form["text"]:
            if field in ("csrfmiddlewaretoken", "next"):
                continue
            for payload in hostile.CORPUS:
                data = {**form["fields"], field: payload}
                response = client.post(action, data)
                assert_safe_response(response, f"{name} {action} {field}={payload[:30]!r}")
    # Free text that passes validation is stored as typed (not mangled, not executed) ...
    from liaison.people.models import Guardian, Household

    guardian = household.guardians.first()
    edit = reverse("people:guardian_edit", args=[guardian.pk])
    form = next(f for _, a, f in forms if a == edit)
    client.post(edit, {**form["fields"], "given_name": hostile.SCRIPT, "family_name": hostile.SQL})
    assert Guardian.objects.filter(given_name=hostile.SCRIPT, family_name=hostile.SQL).exists()
    assert Household.objects.count() >= 6  # the SQL fragment dropped no table
    # Whatever was stored renders escaped on the pages that show it.
    for name, url in _pages(world):
        assert_safe_response(client.get(url), f"after: {name}")
    search = client.get(reverse("people:search"), {"q": "script"})
    assert_safe_response(search, "search")


def test_the_erase_form_refuses_hostile_confirmations(client, world):
    client.force_login(world.admin)
    url = reverse("audit:household_erase", args=[world.site_family.pk])
    for payload in hostile.CORPUS:
        response = client.post(url, {"reason": payload, "confirm_name": payload})
        assert_safe_response(response, f"erase {payload[:20]!r}")
        assert response.status_code == 200
    assert world.site_family.__class__.objects.filter(pk=world.site_family.pk).exists()


@pytest.mark.parametrize("body", hostile.NOT_UTF8)
def test_bodies_that_are_not_utf8_get_a_clean_answer(client, world, body):
    client.force_login(world.admin)
    for url in [
        reverse("people:guardian_new", args=[world.caseload_family.pk]),
        reverse("people:household_edit", args=[world.caseload_family.pk]),
        reverse("audit:household_export", args=[world.caseload_family.pk]),
        reverse("login"),
    ]:
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        assert_safe_response(response, url)


@pytest.mark.parametrize("payload", hostile.CORPUS)
def test_the_sign_in_form_takes_hostile_usernames(client, db, payload):
    response = client.post(reverse("login"), {"login": payload, "password": payload})
    assert_safe_response(response, "sign-in")
    assert response.status_code in (200, 429)


@pytest.mark.parametrize("payload", hostile.CORPUS)
def test_search_queries_are_escaped(client, world, payload):
    client.force_login(world.liaison)
    response = client.get(reverse("people:search"), {"q": payload})
    assert_safe_response(response, "search")


# --- inbound webhooks on main ------------------------------------------------------------


def _twilio_signature(url, params, token):
    data = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def assert_shown_escaped(html: str, text: str, where: str) -> None:
    """The text is on the page, every line of it, as escaped text (what a person reads)."""
    from django.utils.html import escape

    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, f"{where}: nothing to look for"
    for line in lines:
        assert escape(line) in html, f"{where}: {line[:60]!r} is not shown"


@pytest.mark.parametrize("payload", hostile.CORPUS)
def test_inbound_sms_with_hostile_text_is_stored_safely_and_rendered_escaped(
    client, world, settings, payload
):
    from liaison.messaging.models import Message

    settings.MESSAGING_SMS_AUTH_TOKEN = "hostile-test-token"
    settings.PUBLIC_URL = "https://liaison.example.org"
    guardian = world.caseload_family.guardians.first()
    guardian.phone = "+16175550142"
    guardian.save()
    path = reverse("messaging:sms_inbound")
    text = payload.replace("\x00", "")
    params = {"From": "+16175550142", "Body": text, "MessageSid": "SM1"}
    signature = _twilio_signature(settings.PUBLIC_URL + path, params, "hostile-test-token")
    response = client.post(path, params, headers={"X-Twilio-Signature": signature})
    assert_safe_response(response, "sms inbound")
    assert response.status_code == 200
    # First: kept, word for word, in the family's thread, and shown there.
    message = Message.objects.get(direction="in", guardian=guardian)
    assert message.body == text.strip()
    client.force_login(world.admin)
    thread = reverse("messaging:conversation", args=[message.conversation_id])
    page = client.get(thread)
    assert page.status_code == 200
    assert_shown_escaped(page.content.decode(), text, thread)
    # Then: escaped wherever it appears.
    for url in [
        thread,
        reverse("messaging:inbox"),
        reverse("people:household", args=[world.caseload_family.pk]),
    ]:
        assert_safe_response(client.get(url), url)


def test_inbound_sms_with_a_forged_signature_is_refused(client, world, settings):
    settings.MESSAGING_SMS_AUTH_TOKEN = "hostile-test-token"
    response = client.post(
        reverse("messaging:sms_inbound"),
        {"From": "+16175550142", "Body": hostile.SCRIPT},
        headers={"X-Twilio-Signature": "forged"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("payload", [hostile.SCRIPT, hostile.CRLF, hostile.RTL, hostile.LONG])
def test_inbound_email_with_hostile_headers_and_body_is_handled(client, world, settings, payload):
    from email.utils import formataddr

    from liaison.messaging import services
    from liaison.messaging.models import Message, UnmatchedInbound

    settings.MESSAGING_INBOUND_EMAIL_TOKEN = "mail-token"
    guardian = world.caseload_family.guardians.first()
    guardian.email = "parent@example.org"
    guardian.save()
    thread = services.send_message(
        household=world.caseload_family, body="Can you bring the form?", by=world.liaison
    ).conversation
    subject = payload.replace("\r\n", " ")[:500]

    # The hostile name quoted as a mail client writes it, so the sender is still the guardian.
    sender = formataddr((subject, "parent@example.org"))

    def post(to):
        raw = (
            f"From: {sender}\r\nTo: {to}\r\n"
            f"Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{payload}\r\n"
        ).encode("utf-8", "replace") + b"\xff\xfe not utf-8 \xc3\x28"
        response = client.post(
            reverse("messaging:email_inbound"),
            raw,
            content_type="message/rfc822",
            headers={"Authorization": "Bearer mail-token"},
        )
        assert_safe_response(response, "email inbound")
        assert response.status_code == 202
        return response.content.decode()

    # A hostile reply address is no thread: answered cleanly, nothing kept.
    assert post(f"reply+{subject}@liaison.example.org") == "unknown_address"
    assert not Message.objects.filter(direction="in").exists()
    # To the thread's own address: first kept and shown in the thread, then escaped.
    assert post(f"reply+{thread.reply_token}@liaison.example.org") == "stored"
    message = Message.objects.get(direction="in", guardian=guardian, conversation=thread)
    assert payload.splitlines()[0] in message.body
    client.force_login(world.admin)
    url = reverse("messaging:conversation", args=[thread.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert_shown_escaped(page.content.decode(), payload, url)
    assert_safe_response(page, url)
    assert not UnmatchedInbound.objects.exists()
    assert_safe_response(client.get(reverse("messaging:unmatched")), "unmatched")


@pytest.mark.parametrize("payload", ["%3Cscript%3E", "x%0d%0aSet-Cookie:pwned=1", "A" * 3000])
def test_unsubscribe_links_with_hostile_tokens_are_refused(client, db, payload):
    response = client.post(f"/messages/u/{payload}/")
    assert_safe_response(response, "unsubscribe")
    assert response.status_code == 404
