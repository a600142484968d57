"""Staff sign-in: second factors for admins and leaders, throttling, timeouts, deactivation,
re-authentication before changing contact details."""

import time

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):  # the limits are kept in the database cache (CACHE_URL)
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"login": username, "password": password})


def totp_code(secret):
    if 30 - time.time() % 30 < 1:  # a code about to expire may reach the server a period late
        time.sleep(30 - time.time() % 30 + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_liaison_signs_in_with_username_and_password(client, world):
    response = sign_in(client, "liaison")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:caseload")
    assert client.get(reverse("people:caseload")).status_code == 200


def test_a_wrong_password_is_refused(client, world):
    response = sign_in(client, "liaison", "wrong-password-1")
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert client.get(reverse("people:caseload")).status_code == 302


def test_admin_sign_in_without_a_second_factor_is_refused(client, world):
    """An admin with no second factor gets no further than enrolling one."""
    sign_in(client, "admin")
    household = reverse("people:household", args=[world.caseload_family.pk])
    response = client.get(household)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("people:caseload")).status_code == 302


def test_a_leader_is_held_at_enrolment_too(client, world):
    sign_in(client, "leader")
    response = client.get(reverse("people:caseload"))
    assert response["Location"] == reverse("mfa_index")


def test_admin_with_totp_must_give_the_code(client, world):
    secret = generate_totp_secret()
    TOTP.activate(world.admin, secret)
    response = sign_in(client, "admin")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # The password alone signs nobody in.
    assert client.get(reverse("people:caseload")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert client.get(reverse("people:caseload")).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    household = reverse("people:household", args=[world.caseload_family.pk])
    assert client.get(household).status_code == 200


def test_a_liaison_is_offered_but_not_forced_a_second_factor(client, world):
    sign_in(client, "liaison")
    assert client.get(reverse("people:caseload")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200


def test_failed_sign_ins_are_throttled_per_account(client, world):
    for _ in range(5):
        sign_in(client, "liaison", "wrong-password-1")
    response = sign_in(client, "liaison")  # even the right password, for now
    assert b"Too many failed login attempts" in response.content
    assert client.get(reverse("people:caseload")).status_code == 302


def test_failed_sign_ins_are_throttled_per_ip(client, world, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip,50/5m/key"}
    for name in ["teacher", "interpreter", "outsider"]:
        sign_in(client, name, "wrong-password-1")
    response = sign_in(client, "liaison")
    assert b"Too many failed login attempts" in response.content


def test_an_idle_session_ends(client, world, settings):
    settings.LIAISON_IDLE_SECONDS = 30 * 60
    with time_machine.travel("2026-11-29 09:00", tick=False) as clock:
        sign_in(client, "liaison")
        assert client.get(reverse("people:caseload")).status_code == 200
        clock.shift(25 * 60)
        assert client.get(reverse("people:caseload")).status_code == 200
        clock.shift(31 * 60)
        response = client.get(reverse("people:caseload"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_session_ends_at_its_absolute_limit_however_busy(client, world, settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    with time_machine.travel("2026-11-29 07:00", tick=False) as clock:
        sign_in(client, "liaison")
        for _ in range(16):
            clock.shift(29 * 60)
            client.get(reverse("people:caseload"))
        clock.shift(29 * 60)
        response = client.get(reverse("people:caseload"))
        assert response.status_code == 302


def test_deactivating_an_account_ends_its_sessions(client, world):
    sign_in(client, "liaison")
    assert client.get(reverse("people:caseload")).status_code == 200
    assert Session.objects.count() == 1
    world.liaison.is_active = False
    world.liaison.save()
    assert Session.objects.count() == 0
    assert client.get(reverse("people:caseload")).status_code == 302


def test_changing_ones_phone_asks_for_the_password_again(client, world):
    client.force_login(world.liaison)
    url = reverse("audit:contact_details")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "rosa@example.org", "phone": "+16175550142"})
    assert response.status_code == 302
    world.liaison.refresh_from_db()
    assert world.liaison.phone == "+16175550142"


def test_a_phone_not_in_international_form_is_refused(client, world):
    sign_in(client, "liaison")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(
        reverse("audit:contact_details"), {"email": "rosa@example.org", "phone": "617-555"}
    )
    assert response.status_code == 200
    assert b"not a valid phone number" in response.content


def test_single_sign_on_is_off_unless_configured(client, world):
    response = client.get(reverse("login"))
    assert b"Continue with" not in response.content


def test_nobody_signs_themselves_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"username": "stranger", "password1": "a-long-password-1", "email": "s@example.org"},
    )
    from liaison.people.models import User

    assert not User.objects.filter(username="stranger").exists()
    assert response.status_code in (200, 302, 403)
