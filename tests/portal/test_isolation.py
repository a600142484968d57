"""Only their own: a guardian sees their household and nothing else; staff sign-in opens nothing here."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liaison.portal import services
from liaison.portal.session import SESSION_KEY
from tests.access import ROLES
from tests.portal.access import EXEMPT

# Pages only a signed-in family may open, with arguments naming *another* household's records.
FAMILY_PAGES = {
    "portal:home": lambda world: [],
    "portal:children": lambda world: [],
    "portal:preferences": lambda world: [],
    "portal:liaison_photo": lambda world: [world.interpreter.pk],
    "portal:conversations": lambda world: [],
    "portal:conversation": lambda world: [_other_conversation(world).pk],
    "portal:announcements": lambda world: [],
    "portal:announcement": lambda world: [_other_notice(world).pk],
    "portal:attachment": lambda world: [_other_attachment(world).pk],
    "portal:events": lambda world: [],
    "portal:event": lambda world: [_other_invitation(world).pk],
    "portal:find_help": lambda world: [],
    "portal:concern_new": lambda world: [],
    "portal:concern": lambda world: [_other_concern(world).pk],
}


def _other_invitation(world):
    from liaison.events import services as events
    from tests.events.factories import EventFactory

    event = EventFactory(district=world.district, site=world.school, title="Their night")
    return events.invite_households(event=event, households=[world.site_family], send=False)[0]


def _other_concern(world):
    from liaison.concerns import services as concerns

    return concerns.raise_concern(
        household=world.site_family,
        guardian=world.site_family.guardians.first(),
        category="other",
        description="Theirs",
        source="portal",
    )


def _other_conversation(world):
    from liaison.messaging import services as messaging

    return messaging.conversation_for(world.site_family)


def _other_notice(world):
    from liaison.messaging import services as messaging

    return messaging.send_notice(
        guardians=list(world.site_family.guardians.all()),
        subject="Theirs",
        body="Theirs",
        by=world.admin,
        kind="reminder",
    )


def _other_attachment(world):
    from liaison.messaging import services as messaging

    message = messaging.send_message(
        household=world.site_family,
        body="Theirs",
        by=world.admin,
        attachments=[("theirs.txt", b"private", "text/plain")],
    )
    return message.attachments.get()


@pytest.mark.parametrize("url_name", sorted(FAMILY_PAGES))
def test_another_households_ids_answer_404(client, world, url_name):
    """Signed in as the caseload family, every page naming the site family's records is 404."""
    args = FAMILY_PAGES[url_name](world)
    sign_in_as(client, world.caseload_family.guardians.first())
    response = client.get(reverse(url_name, args=args))
    if args:
        assert response.status_code == 404, url_name
    else:
        assert response.status_code in (200, 302), url_name


# Pages anyone may open (signing in), or that only take a POST.
OPEN_PAGES = {
    "portal:sign_in",
    "portal:verify",
    "portal:link_sent",
    "portal:link",
    "portal:deep_link",
    "portal:sign_out",
    "portal:language",
}


def sign_in_as(client, guardian):
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()


def test_every_portal_url_is_listed_here():
    assert set(EXEMPT) == set(FAMILY_PAGES) | OPEN_PAGES


@pytest.mark.parametrize("url_name", sorted(FAMILY_PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, world, url_name):
    response = client.get(reverse(url_name, args=FAMILY_PAGES[url_name](world)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(FAMILY_PAGES))
def test_staff_are_sent_to_the_family_sign_in(client, world, role, url_name):
    client.force_login(getattr(world, role))
    response = client.get(reverse(url_name, args=FAMILY_PAGES[url_name](world)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign_in"))


def test_home_and_children_show_only_the_familys_own_children(family_client, world):
    for name in ("portal:home", "portal:children"):
        page = family_client.get(reverse(name)).content.decode()
        assert "CaseloadChild Caseload" in page
        for other in ("Sitefamily", "Othersite", "Taught", "Interpreted", "Foreign"):
            assert f"{other}Child" not in page, (name, other)


def test_a_child_not_linked_to_this_guardian_is_not_shown(family_client, world):
    from tests import factories as f

    sibling = f.StudentFactory(
        household=world.caseload_family, given_name="Unlinked", family_name="Caseload"
    )
    f.EnrolmentFactory(student=sibling, site=world.school)
    page = family_client.get(reverse("portal:children")).content.decode()
    assert "Unlinked Caseload" not in page


def test_liaison_photo_only_for_the_family_the_liaison_serves(client, world, settings):
    world.liaison.photo = SimpleUploadedFile("me.png", b"\x89PNG\r\n\x1a\nsynthetic")
    world.liaison.phone = "+16175550142"
    world.liaison.save()
    sign_in_as(client, world.caseload_family.guardians.first())
    home = client.get(reverse("portal:home")).content.decode()
    assert world.liaison.get_full_name() in home
    assert "tel:+16175550142" in home
    url = reverse("portal:liaison_photo", args=[world.liaison.pk])
    assert client.get(url).status_code == 200
    # Another household's guardian gets 404 for the same photo.
    other = client.__class__()
    sign_in_as(other, world.site_family.guardians.first())
    assert other.get(url).status_code == 404
    assert world.liaison.get_full_name() not in other.get(reverse("portal:home")).content.decode()


def test_deep_link_opens_one_thread_and_nothing_else(client, world):
    guardian = world.caseload_family.guardians.first()
    url = services.deep_link_url(guardian=guardian, purpose="thread", target_id=41)
    path = url.split("127.0.0.1:8000", 1)[-1]
    response = client.get(path)
    assert response.status_code == 302
    # Signed in for that one thread only: the rest of the portal still asks for sign-in.
    assert client.session[SESSION_KEY] == guardian.pk
    assert client.get(reverse("portal:children")).status_code == 302


def test_a_deep_link_cannot_be_used_for_another_purpose_or_altered(client, world):
    guardian = world.caseload_family.guardians.first()
    url = services.deep_link_url(guardian=guardian, purpose="thread", target_id=41)
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(reverse("portal:deep_link", args=["invitation", token])).status_code == 410
    assert (
        client.get(reverse("portal:deep_link", args=["thread", token[:-2] + "xx"])).status_code
        == 410
    )
    assert SESSION_KEY not in client.session


def test_batch_deep_links_are_the_tokens_django_signing_makes(world, settings):
    from unittest import mock

    from django.core import signing

    settings.PUBLIC_URL = "https://liaison.example.org"
    with mock.patch("django.core.signing.time.time", return_value=1_800_000_000):
        urls = services.deep_link_urls(guardian_ids=[7, 123456], purpose="message", target_id=41)
        for guardian_id in (7, 123456):
            token = signing.dumps(
                {"g": guardian_id, "t": 41}, salt="liaison.portal.deep.message", compress=True
            )
            assert urls[guardian_id] == (
                settings.PUBLIC_URL + reverse("portal:deep_link", args=["message", token])
            )


def test_an_expired_deep_link_is_refused(client, world, settings):
    guardian = world.caseload_family.guardians.first()
    url = services.deep_link_url(guardian=guardian, purpose="thread", target_id=41)
    settings.LIAISON_PORTAL_DEEP_LINK_DAYS = -1
    path = url.split("127.0.0.1:8000", 1)[-1]
    assert client.get(path).status_code == 410


def test_a_deep_link_for_a_restricted_guardian_signs_nobody_in(client, world):
    guardian = world.caseload_family.guardians.first()
    url = services.deep_link_url(guardian=guardian, purpose="thread", target_id=41)
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order (synthetic)"
    guardian.save()
    assert client.get(url.split("127.0.0.1:8000", 1)[-1]).status_code == 410
