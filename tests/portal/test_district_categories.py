"""A district's own concern categories reach families in their language, as staff's event titles
do: the standard ones from the portal's catalogues, the district's through the translation
pipeline (its label is in the district's staff language)."""

from django.urls import reverse

from liaison.concerns.models import ConcernCategory
from liaison.portal import family


def _own_category(world) -> ConcernCategory:
    return ConcernCategory.objects.create(
        district=world.district, code="after-school", label="After-school program", order=5
    )


def test_a_districts_own_category_is_in_the_familys_language_on_every_portal_page(
    family_client, world, libretranslate
):
    # A Spanish family choosing what its concern is about read "After-school program" in English
    # beside "Transporte" and "Salud".
    category = _own_category(world)
    guardian = family_client.guardian
    assert guardian.preferred_language == "es"
    form = family_client.get(reverse("portal:concern_new")).content.decode()
    assert "[es] After-school program" in form
    concern = family.raise_concern(
        guardian=guardian,
        category=category.code,
        description="¿Hay lugar en el programa de la tarde?",
        contact_preference="",
        students=[],
        subject_staff=None,
    )
    home = family_client.get(reverse("portal:home")).content.decode()
    assert "[es] After-school program" in home
    page = family_client.get(reverse("portal:concern", args=[concern.pk])).content.decode()
    assert "[es] After-school program" in page
    # The standard ones still come from the catalogue, not the engine.
    words = family.categories_words(
        list(world.district.concern_categories.filter(code__in=["transport", category.code])),
        language="es",
    )
    assert sorted(words.values()) == ["Transporte", "[es] After-school program"]


def test_without_a_translator_the_family_reads_the_label_as_the_district_wrote_it(
    family_client, world
):
    _own_category(world)
    form = family_client.get(reverse("portal:concern_new")).content.decode()
    assert "After-school program" in form and "[es]" not in form


def test_a_standard_category_the_district_renamed_is_translated_from_its_new_name(
    world, libretranslate
):
    transport = world.district.concern_categories.get(code="transport")
    transport.label = "Bus and rides"
    transport.save()
    assert family.categories_words([transport], language="es") == {
        transport.pk: "[es] Bus and rides"
    }
