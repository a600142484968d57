"""The portal's "Who is it about?": the family names a member of staff they know (names only), and
the promise beside it holds: that person never sees the concern."""

import pytest
from django.urls import reverse

from liaison.concerns.models import Concern
from liaison.portal.session import SESSION_KEY
from tests import factories as f

WORDS = "La maestra le gritó a mi hijo delante de la clase."


def _sign_in(client, guardian):
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()


@pytest.fixture
def taught_guardian(world):
    """The taught family's guardian, whose family knows the teacher, the leader and a liaison."""
    guardian = world.taught_family.guardians.first()
    guardian.preferred_language = "en"
    guardian.save()
    world.teacher.first_name, world.teacher.last_name = "Ana", "Maestra"
    world.teacher.save()
    f.AssignmentFactory(staff=world.liaison, household=world.taught_family)
    return guardian


def test_the_family_names_the_person_in_the_portal_and_that_person_never_sees_it(
    client, world, taught_guardian
):
    teacher = world.teacher
    _sign_in(client, taught_guardian)

    form = client.get(reverse("portal:concern_new")).content.decode()
    assert "Who is it about? (optional)" in form
    assert "they will not see what you write" in form
    assert "Ana Maestra" in form and str(world.leader) in form and str(world.liaison) in form
    assert teacher.email not in form and "Grade 3" not in form  # names only
    assert str(world.interpreter) not in form  # not someone this family knows

    data = {"category": "conflict_staff", "description": WORDS, "reach": "call"}
    forged = client.post(reverse("portal:concern_new"), {**data, "about": world.admin.pk})
    assert forged.status_code == 200
    assert "Choose among the people listed." in forged.content.decode()
    response = client.post(reverse("portal:concern_new"), {**data, "about": teacher.pk})
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.subject_staff == teacher
    assert concern.assignee == world.liaison

    client.force_login(teacher)
    assert client.get(reverse("concerns:detail", args=[concern.pk])).status_code == 404
    page = client.get(reverse("people:household", args=[world.taught_family.pk])).content.decode()
    assert "maestra le grit" not in page


def test_the_question_is_asked_in_the_familys_language(client, world, taught_guardian):
    taught_guardian.preferred_language = "es"
    taught_guardian.save()
    _sign_in(client, taught_guardian)
    form = client.get(reverse("portal:concern_new")).content.decode()
    assert "¿Sobre quién es? (opcional)" in form
    assert "no verá lo que usted escriba" in form
    assert "Nadie en particular" in form
    assert "Who is it about?" not in form


def test_a_family_that_knows_no_staff_is_not_asked(client, world):
    guardian = world.foreign_family.guardians.first()
    guardian.preferred_language = "en"
    guardian.save()
    _sign_in(client, guardian)
    form = client.get(reverse("portal:concern_new")).content.decode()
    assert "Who is it about?" not in form
    data = {"category": "other", "description": "Hola", "reach": "call"}
    assert client.post(reverse("portal:concern_new"), data).status_code == 302
    assert Concern.objects.get().subject_staff is None
