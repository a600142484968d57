"""The concerns queue is kept for its reader (core/kept.py) between visits, and a change shows at
once: a concern raised, its status changed or handed on, by the reader or a colleague. Another
person never gets the reader's kept rows, and the door answers every visit."""

from django.urls import reverse

from liaison.concerns import services
from tests.concerns import factories as cf


def _queue(client, name="all"):
    response = client.get(reverse("concerns:queue"), {"queue": name})
    assert response.status_code == 200
    return response.content.decode()


def test_a_concern_raised_by_the_liaison_or_a_colleague_shows_on_the_kept_queue(client, world):
    client.force_login(world.liaison)
    _queue(client)
    _queue(client)  # the kept rows
    own = cf.concern(world.caseload_family, raised_by=world.liaison)
    assert f"#{own.pk} " in _queue(client)
    # An administrator of the district raises one for a family of the liaison's caseload.
    theirs = cf.concern(world.caseload_family, raised_by=world.admin, category="transport")
    html = _queue(client)
    assert f"#{own.pk} " in html and f"#{theirs.pk} " in html


def test_a_status_changed_or_a_concern_handed_on_shows_on_the_kept_queue(client, world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    client.force_login(world.liaison)
    assert f"#{concern.pk} " not in _queue(client, "waiting")
    assert f"#{concern.pk} " in _queue(client, "mine")
    # The leader moves it to waiting on the school: on the liaison's waiting queue at once.
    services.change_status(concern=concern, status="waiting_school", by=world.leader)
    waiting = _queue(client, "waiting")
    assert f"#{concern.pk} " in waiting and "Waiting on school" in waiting
    # Handed to a colleague with a bulk update (reassign_all): gone from "mine".
    colleague = cf.colleague(world.district)
    services.reassign_all(from_user=world.liaison, to_user=colleague, by=world.admin)
    assert f"#{concern.pk} " not in _queue(client, "mine")


def test_another_person_never_gets_the_liaisons_kept_queue(client, world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    client.force_login(world.liaison)
    assert f"#{concern.pk} " in _queue(client)
    assert f"#{concern.pk} " in _queue(client)
    # A liaison of another district asks for the same queue: none of this district's concerns.
    client.force_login(cf.colleague(world.other_district, username="faraway"))
    assert f"#{concern.pk} " not in _queue(client)
    # Someone with no role at all is still refused by the door.
    client.force_login(world.outsider)
    assert client.get(reverse("concerns:queue"), {"queue": "all"}).status_code == 404
