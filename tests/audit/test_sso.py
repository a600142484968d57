"""Single sign-on with OpenID Connect (how Google Workspace and Microsoft Entra ID sign staff in),
end to end against a provider on loopback: a staff member whose district account carries their
verified work email signs in; nobody else gets an account, and a deactivated one stays shut."""

from urllib.parse import urlparse

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse

from liaison.people.models import User
from tests.audit.oidc import FakeOIDC

CLIENT_ID = "liaison-test"


@pytest.fixture
def provider(settings):
    cache.clear()
    with FakeOIDC(CLIENT_ID) as fake:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "APPS": [
                    {
                        "provider_id": "entra",
                        "name": "Microsoft",
                        "client_id": CLIENT_ID,
                        "secret": "test-secret",
                        "settings": {"server_url": fake.url},
                    }
                ],
                "OAUTH_PKCE_ENABLED": True,
            }
        }
        yield fake
    cache.clear()


def sso_sign_in(client, provider, **claims):
    """Press "Continue with Microsoft", let the provider sign `claims` in, follow it back."""
    provider.identity = {"sub": claims.get("email", "x"), "email_verified": True, **claims}
    login = reverse("openid_connect_login", kwargs={"provider_id": "entra"})
    response = client.post(login)
    assert response.status_code == 302
    authorize = response["Location"]
    assert authorize.startswith(provider.url + "/authorize?")
    assert "code_challenge_method=S256" in authorize
    # The browser's visit to the provider: it answers with a redirect to our callback.
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    assert callback.path == reverse("openid_connect_callback", kwargs={"provider_id": "entra"})
    return client.get(f"{callback.path}?{callback.query}")


def signed_in_as(client):
    response = client.get(reverse("people:caseload"))
    return response.status_code == 200 and response.wsgi_request.user.get_username()


def test_the_sign_in_page_offers_the_district_account(client, db, provider):
    response = client.get(reverse("login"))
    assert b"Continue with Microsoft" in response.content


def test_a_staff_member_signs_in_with_their_district_account(client, world, provider):
    world.liaison.email = "rosa.liaison@testville.example.org"
    world.liaison.save()
    response = sso_sign_in(client, provider, email="Rosa.Liaison@testville.example.org")
    assert response.status_code == 302
    assert signed_in_as(client) == "liaison"
    # The district account is now linked; the next sign-in finds it by its subject.
    assert world.liaison.socialaccount_set.get().uid == "Rosa.Liaison@testville.example.org"
    client.post(reverse("account_logout"))
    sso_sign_in(client, provider, email="rosa.liaison@testville.example.org")
    assert signed_in_as(client) == "liaison"


def test_an_unknown_email_gets_no_account(client, world, provider):
    before = User.objects.count()
    response = sso_sign_in(client, provider, email="stranger@testville.example.org")
    assert response.status_code in (200, 302)
    assert User.objects.count() == before
    assert signed_in_as(client) is False


def test_an_unverified_email_signs_nobody_in(client, world, provider):
    """A provider that has not verified the address cannot claim a staff member's account."""
    world.liaison.email = "rosa.liaison@testville.example.org"
    world.liaison.save()
    sso_sign_in(client, provider, email="rosa.liaison@testville.example.org", email_verified=False)
    assert signed_in_as(client) is False
    assert not world.liaison.socialaccount_set.exists()


def test_a_deactivated_account_is_refused(client, world, provider):
    world.liaison.email = "rosa.liaison@testville.example.org"
    world.liaison.save()
    sso_sign_in(client, provider, email="rosa.liaison@testville.example.org")
    assert signed_in_as(client) == "liaison"
    world.liaison.is_active = False
    world.liaison.save()
    assert signed_in_as(client) is False  # deactivating ended the session
    sso_sign_in(client, provider, email="rosa.liaison@testville.example.org")
    assert signed_in_as(client) is False


def test_an_admin_still_gives_a_second_factor_after_single_sign_on(client, world, provider):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(world.admin, generate_totp_secret())
    world.admin.email = "dana.admin@testville.example.org"
    world.admin.save()
    response = sso_sign_in(client, provider, email="dana.admin@testville.example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is False
