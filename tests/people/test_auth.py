"""The sign-in backends read a person's memberships with them, and a session signed in before they
were named (by Django's or allauth's own backend) is still served after an upgrade."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "backend",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
        "liaison.people.auth.StaffBackend",
    ],
)
def test_a_session_of_any_backend_stays_signed_in(world, backend):
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(world.liaison.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = world.liaison.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key
    response = client.get("/")
    assert response.status_code == 200
    assert b"Today" in response.content


def test_signing_in_uses_the_backend_that_reads_memberships(client, world):
    world.liaison.set_password("a long enough passphrase")
    world.liaison.save()
    assert client.login(username=world.liaison.username, password="a long enough passphrase")
    assert client.session[BACKEND_SESSION_KEY] == "liaison.people.auth.StaffBackend"


def _signed_in_as(user_pk) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(user_pk)
    session[BACKEND_SESSION_KEY] = "liaison.people.auth.StaffBackend"
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def test_the_signed_in_read_gives_the_person_with_their_roles(world):
    from liaison.people.auth import StaffBackend

    user = StaffBackend().get_user(str(world.liaison.pk))
    assert user == world.liaison
    assert user.username == world.liaison.username
    assert user.membership_rows  # their roles, read along (the policy reads them from here)
    assert world.liaison.memberships.filter(is_active=True).count() == len(
        user.membership_rows.split(",")
    )


def test_a_deactivated_or_deleted_person_or_a_broken_session_is_signed_out(world):
    from liaison.people.auth import StaffBackend

    assert StaffBackend().get_user("not a number") is None
    assert StaffBackend().get_user(str(10**9)) is None
    world.liaison.is_active = False
    world.liaison.save()
    assert StaffBackend().get_user(str(world.liaison.pk)) is None
    response = _signed_in_as(world.liaison.pk).get("/")
    assert response.status_code == 302  # to the sign-in page
