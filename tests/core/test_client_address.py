"""Behind a reverse proxy, the client is the address the proxy saw: the access log and the staff
sign-in limits use it, whatever a client writes into its own X-Forwarded-For."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from liaison.audit.models import AccessLog

PROXY = "10.0.0.2"  # the reverse proxy: every request arrives from it
PASSWORD = "correct-horse-battery"


@pytest.fixture
def behind_one_proxy(settings):
    # What LIAISON_BEHIND_PROXY=1 sets; allauth is not told separately.
    settings.LIAISON_TRUSTED_PROXIES = 1
    cache.clear()
    yield
    cache.clear()


def through_proxy(client_seen: str, forged: str = "") -> dict:
    """What the proxy hands on: the client's own header (if any) with the address it saw appended."""
    forwarded = f"{forged}, {client_seen}" if forged else client_seen
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def sign_in(client, username, password, **meta):
    return client.post(reverse("login"), {"login": username, "password": password}, **meta)


def open_household(client, world, **meta):
    client.force_login(world.liaison)
    response = client.get(reverse("people:household", args=[world.caseload_family.pk]), **meta)
    assert response.status_code == 200
    return AccessLog.objects.latest("pk").ip


def test_access_log_records_the_address_the_proxy_saw_not_the_forged_one(
    client, world, behind_one_proxy
):
    assert open_household(client, world, **through_proxy("203.0.113.9", "6.6.6.6")) == (
        "203.0.113.9"
    )


def test_behind_two_proxies_the_outer_proxys_view_is_logged(client, world, settings):
    settings.LIAISON_TRUSTED_PROXIES = 2
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9, 10.0.0.1"}
    assert open_household(client, world, **meta) == "203.0.113.9"


def test_without_a_proxy_a_forwarded_header_is_ignored(client, world, settings):
    settings.LIAISON_TRUSTED_PROXIES = 0
    meta = {"REMOTE_ADDR": "198.51.100.4", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}
    assert open_household(client, world, **meta) == "198.51.100.4"


@pytest.mark.parametrize("header", ["not-an-address", "", " , ", "6.6.6.6, <script>"])
def test_a_garbled_forwarded_header_is_logged_as_the_connection_not_an_error(
    client, world, behind_one_proxy, header
):
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": header}
    assert open_household(client, world, **meta) == PROXY


def test_a_short_forwarded_header_neither_fails_sign_in_nor_escapes_the_limit(
    client, world, settings
):
    """allauth's own reading raises ImproperlyConfigured (a 500) when the header is shorter than
    the number of proxies; ours takes the left-most entry."""
    settings.LIAISON_TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    cache.clear()
    response = sign_in(client, "liaison", PASSWORD, **through_proxy("203.0.113.9"))
    assert response.status_code == 302
    assert response["Location"] == reverse("people:caseload")


def test_forged_forwarded_addresses_do_not_escape_the_sign_in_limit(
    client, world, behind_one_proxy, settings
):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,5/5m/key"}
    for i in range(20):  # one attacker, a different made-up address and account each time
        meta = through_proxy("203.0.113.66", forged=f"198.51.100.{i}")
        assert b"not correct" in sign_in(client, f"nobody{i}", "wrong-password-1", **meta).content
    meta = through_proxy("203.0.113.66", forged="198.51.100.200")
    response = sign_in(client, "teacher", PASSWORD, **meta)
    assert b"Too many failed login attempts" in response.content
    assert client.get(reverse("people:caseload")).status_code == 302


def test_fifty_failed_sign_ins_from_many_addresses_do_not_stop_colleagues(
    client, world, behind_one_proxy, settings
):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,5/5m/key"}
    for i in range(50):
        meta = through_proxy(f"198.51.100.{i + 1}")
        assert b"not correct" in sign_in(client, f"nobody{i}", "wrong-password-1", **meta).content
    for n, colleague in enumerate(["liaison", "teacher", "interpreter", "outsider"]):
        colleague_client = type(client)()
        response = sign_in(
            colleague_client, colleague, PASSWORD, **through_proxy(f"192.0.2.{n + 10}")
        )
        assert response.status_code == 302, colleague
        assert b"Too many" not in response.content
