"""Signing in without a password: codes by text message, links by email, and what stops guessing."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from liaison.portal.models import SignInChallenge
from liaison.portal.session import DEVICE_COOKIE


@pytest.fixture
def guardian(world):
    return world.caseload_family.guardians.first()


def ask_code(client, number, capture, ip="203.0.113.5"):
    with capture(execute=True):
        return client.post(reverse("portal:sign_in"), {"contact": number}, REMOTE_ADDR=ip)


def answer(client, code, ip="203.0.113.5", **extra):
    return client.post(reverse("portal:verify"), {"code": code, **extra}, REMOTE_ADDR=ip)


def test_sms_code_signs_the_family_in_in_their_language(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    response = ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == reverse("portal:verify")
    [text] = sms_gateway.to(guardian.phone)
    assert text["path"] == "/2010-04-01/Accounts/ACtest/Messages.json"
    assert text["From"] == "+16175550199"
    assert "portal" in text["Body"] or "portal" in text["Body"].lower()

    response = answer(client, sms_gateway.last_code(guardian.phone))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert home["Cache-Control"] == "no-store"
    assert f"Hola, {guardian.full_name}" in home.content.decode()  # Spanish: her language


def test_a_local_number_format_finds_the_number_on_file(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    local = guardian.phone.removeprefix("+1")
    local = f"({local[:3]}) {local[3:6]}-{local[6:]}"
    ask_code(client, local, django_capture_on_commit_callbacks)
    assert len(sms_gateway.to(guardian.phone)) == 1


def test_the_answer_does_not_reveal_whether_a_number_is_on_file(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    known = ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    unknown = ask_code(client, "+16175550188", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    page = client.get(reverse("portal:verify")).content.decode()
    assert "If this number is on file" in page
    assert sms_gateway.to("+16175550188") == []


def test_codes_are_kept_only_as_hashes(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    code = sms_gateway.last_code(guardian.phone)
    challenge = SignInChallenge.objects.get()
    assert code not in challenge.secret_hash
    assert guardian.phone not in challenge.destination_key


def test_a_code_works_once(client, guardian, sms_gateway, django_capture_on_commit_callbacks):
    ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    code = sms_gateway.last_code(guardian.phone)
    assert answer(client, code).status_code == 302
    client.post(reverse("portal:sign_out"))
    # Back at the code page with the same number pending, the same code is refused.
    session = client.session
    session["portal_pending"] = {"channel": "sms", "value": guardian.phone}
    session.save()
    response = answer(client, code)
    assert response.status_code == 200
    # The page stays in the language she signed in with (Spanish).
    assert "Ese código no es correcto o ya venció." in response.content.decode()


def test_an_expired_code_is_refused(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    SignInChallenge.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = answer(client, sms_gateway.last_code(guardian.phone))
    assert response.status_code == 200
    assert client.get(reverse("portal:home")).status_code == 302


def test_guessing_codes_locks_out_the_number_then_the_ip(
    client, world, guardian, sms_gateway, settings, django_capture_on_commit_callbacks
):
    settings.LIAISON_PORTAL_MAX_FAILURES = 5
    settings.LIAISON_PORTAL_IP_MAX_FAILURES = 8
    ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    right = sms_gateway.last_code(guardian.phone)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = answer(client, wrong)
        assert response.status_code == 200
        assert "That code is not right" in response.content.decode()
    # The limit is reached: even the right code is now refused for this number.
    response = answer(client, right)
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(reverse("portal:home")).status_code == 302
    # ... also from another IP (the lock is on the number).
    assert answer(client, right, ip="198.51.100.7").status_code == 429

    # The same IP guessing at another family's number is stopped at the IP limit.
    other = world.site_family.guardians.first()
    other_client = type(client)()
    ask_code(other_client, other.phone, django_capture_on_commit_callbacks)
    other_right = sms_gateway.last_code(other.phone)
    other_wrong = f"{(int(other_right) + 1) % 1_000_000:06d}"
    for _ in range(3):  # 5 + 3 = 8 failures from this IP
        assert answer(other_client, other_wrong).status_code == 200
    response = answer(other_client, other_right)
    assert response.status_code == 429
    # From a different IP the other family's right code still works.
    assert answer(other_client, other_right, ip="198.51.100.9").status_code == 302


def test_asking_for_too_many_codes_is_refused(
    client, guardian, sms_gateway, settings, django_capture_on_commit_callbacks
):
    settings.LIAISON_PORTAL_REQUESTS_PER_HOUR = 3
    for _ in range(3):
        assert (
            ask_code(client, guardian.phone, django_capture_on_commit_callbacks).status_code == 302
        )
    response = ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Too many codes were asked for" in response.content.decode()
    assert len(sms_gateway.to(guardian.phone)) == 3


def test_behind_a_proxy_codes_are_counted_per_address_the_proxy_saw(
    client, guardian, sms_gateway, settings, django_capture_on_commit_callbacks
):
    """A client writing its own X-Forwarded-For is still one address; the family behind the same
    proxy is another, and may ask for its code."""
    settings.LIAISON_TRUSTED_PROXIES = 1
    settings.LIAISON_PORTAL_IP_REQUESTS_PER_HOUR = 3

    def ask(number, forwarded):
        with django_capture_on_commit_callbacks(execute=True):
            return type(client)().post(
                reverse("portal:sign_in"),
                {"contact": number},
                REMOTE_ADDR="10.0.0.2",  # the proxy
                HTTP_X_FORWARDED_FOR=forwarded,
            )

    for i in range(3):
        assert ask(f"+1617555018{i}", f"198.51.100.{i}, 203.0.113.66").status_code == 302
    refused = ask("+16175550189", "198.51.100.9, 203.0.113.66")
    assert "Too many codes were asked for" in refused.content.decode()
    response = ask(guardian.phone, "192.0.2.10")
    assert response.status_code == 302 and response["Location"] == reverse("portal:verify")
    assert len(sms_gateway.to(guardian.phone)) == 1


def test_a_guardian_under_a_contact_restriction_cannot_sign_in(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order (synthetic)"
    guardian.save()
    response = ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("portal:verify")  # the same answer as for anyone
    assert sms_gateway.to(guardian.phone) == []


def test_a_restriction_signs_out_a_family_already_signed_in(family_client):
    assert family_client.get(reverse("portal:home")).status_code == 200
    guardian = family_client.guardian
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order (synthetic)"
    guardian.save()
    assert family_client.get(reverse("portal:home")).status_code == 302


def test_an_inactive_guardian_cannot_sign_in(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    guardian.is_active = False
    guardian.save()
    ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    assert sms_gateway.to(guardian.phone) == []


def test_an_email_link_signs_in_once(
    client, guardian, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:sign_in"), {"contact": guardian.email.upper()})
    assert response["Location"] == reverse("portal:link_sent")
    [message] = mail.outbox
    assert message.to == [guardian.email]
    url = next(w for w in message.body.split() if "/family/sign-in/link/" in w)
    path = url.split("127.0.0.1:8000", 1)[-1]
    # Opening the link (as a mail scanner would) does not spend it: one tap does.
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    client.post(reverse("portal:sign_out"))
    assert client.post(path).status_code == 410


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox = []
    response = client.post(reverse("portal:sign_in"), {"contact": "nobody@example.org"})
    assert response["Location"] == reverse("portal:link_sent")
    assert mail.outbox == []


def test_a_remembered_device_signs_in_without_a_code(
    client, guardian, sms_gateway, django_capture_on_commit_callbacks
):
    ask_code(client, guardian.phone, django_capture_on_commit_callbacks)
    response = answer(client, sms_gateway.last_code(guardian.phone), remember="on")
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and int(cookie["max-age"]) > 29 * 86400

    fresh = type(client)()
    fresh.cookies[DEVICE_COOKIE] = cookie.value
    assert fresh.get(reverse("portal:home")).status_code == 200
    # Signing out forgets the device.
    fresh.post(reverse("portal:sign_out"))
    again = type(client)()
    again.cookies[DEVICE_COOKIE] = cookie.value
    assert again.get(reverse("portal:home")).status_code == 302


def test_staff_sign_in_does_not_open_the_portal(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))


def test_a_bad_number_is_explained_on_the_field(client, db):
    response = client.post(reverse("portal:sign_in"), {"contact": "12"})
    assert response.status_code == 200
    assert "Enter a mobile phone number (with area code) or an email address." in (
        response.content.decode()
    )
    assert 'value="12"' in response.content.decode()
