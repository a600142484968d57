"""The inbox worth living in: previews, unread per member of staff, the filters, the nav count."""

from django.urls import reverse

from liaison.language.models import TranslationMemory, text_hash
from liaison.messaging import services
from liaison.messaging.models import Conversation
from tests import factories as f
from tests.messaging.factories import family

SPANISH = "¿A qué hora empieza la reunión de padres del jueves en la biblioteca de la escuela?"


def _rows(client, **params):
    return client.get(
        reverse("messaging:inbox"), params, headers={"HX-Request": "true"}
    ).content.decode()


def test_the_inbox_previews_the_latest_message_in_the_readers_language(client, world):
    household, (mum,) = family(world.district, guardians=1, name="Preview", site=world.school)
    services.send_message(household=household, body="Hello from school", by=world.liaison)
    services.record_family_reply(guardian=mum, body=SPANISH, channel="sms")
    TranslationMemory.objects.create(
        district=world.district,
        source_language="es",
        target_language="en",
        source_hash=text_hash(SPANISH),
        source_text=SPANISH,
        text="What time does Thursday's parent meeting in the school library start?",
        status="machine",
    )
    long_one, (_dad,) = family(world.district, guardians=1, name="Longwinded", site=world.school)
    services.send_message(household=long_one, body="word " * 60, by=world.liaison)
    client.force_login(world.leader)
    rows = _rows(client)
    assert "What time does Thursday&#x27;s parent meeting in the school library start?" in rows
    assert "(translated)" in rows
    # Only the first hundred characters or so of a long message.
    assert ("word " * 19).strip() in rows and ("word " * 25).strip() not in rows


def test_unread_is_per_member_of_staff_and_said_in_words(
    client, world, django_capture_on_commit_callbacks
):
    household, (mum,) = family(world.district, guardians=1, name="Unread", site=world.school)
    services.record_family_reply(guardian=mum, body="Can someone call me?", channel="sms")
    conversation = Conversation.objects.get(household=household)
    colleague = f.UserFactory(username="colleague")
    f.MembershipFactory(
        user=colleague, district=world.district, site=world.school, role="site_leader"
    )
    assert services.unread_count(world.leader) == 1
    assert services.unread_count(colleague) == 1

    client.force_login(world.leader)
    assert '<strong class="unread-mark">Unread</strong>' in _rows(client)
    with django_capture_on_commit_callbacks(execute=True):  # as its request commits
        client.get(reverse("messaging:conversation", args=[conversation.pk]))
    rows = _rows(client)
    assert "Unread household" in rows and "unread-mark" not in rows and ">Read<" in rows
    assert services.unread_count(world.leader) == 0

    client.force_login(colleague)
    assert '<strong class="unread-mark">Unread</strong>' in _rows(client)
    assert services.unread_count(colleague) == 1

    services.record_family_reply(guardian=mum, body="Hello again?", channel="sms")
    assert services.unread_count(world.leader) == 1


def test_the_inbox_filters_mine_unassigned_my_sites_and_awaiting(client, world):
    mine, (a,) = family(world.district, guardians=1, name="Minefam", site=world.school)
    _free, (b,) = family(world.district, guardians=1, name="Freefam", site=world.school)
    answered, _ = family(world.district, guardians=1, name="Answeredfam", site=world.school)
    _elsewhere, (c,) = family(
        world.district, guardians=1, name="Elsewherefam", site=world.other_school
    )
    services.record_family_reply(guardian=a, body="Hi", channel="sms")
    services.record_family_reply(guardian=b, body="Hi", channel="sms")
    services.record_family_reply(guardian=c, body="Hi", channel="sms")
    services.send_message(household=answered, body="All set", by=world.admin)
    services.assign_conversation(
        conversation=Conversation.objects.get(household=mine), to=world.admin, by=world.admin
    )
    client.force_login(world.admin)
    admin_fams = {"Minefam", "Freefam", "Answeredfam", "Elsewherefam"}

    def shown(show):
        rows = _rows(client, show=show)
        return {name for name in admin_fams if name in rows}

    assert shown("open") == admin_fams
    assert shown("mine") == {"Minefam"}
    assert shown("unassigned") == {"Freefam", "Answeredfam", "Elsewherefam"}
    assert shown("awaiting") == {"Minefam", "Freefam", "Elsewherefam"}
    # The admin holds no site: "my sites" is empty for them; a site leader sees their site's.
    assert shown("sites") == set()
    client.force_login(world.leader)
    rows = _rows(client, show="sites")
    assert "Freefam" in rows and "Elsewherefam" not in rows
    # An unknown filter is the open list, not an error.
    assert client.get(reverse("messaging:inbox"), {"show": "<script>"}).status_code == 200
