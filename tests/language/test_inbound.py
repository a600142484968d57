"""Family replies: their language detected offline, translated for the reading staff member, and a
reply in another language than the one on file suggests updating it."""

import pytest

from liaison.language import services
from liaison.language.detection import detect_language
from liaison.language.models import LanguageSuggestion
from liaison.language.rendering import MACHINE, ORIGINAL, UNTRANSLATED

REPLIES = {
    "es": "Buenos días, mi hija no pudo ir a la escuela hoy porque tiene fiebre. ¿Le pueden mandar la tarea?",
    "vi": "Chào cô, hôm nay con tôi bị sốt nên không đi học được. Cô có thể gửi bài tập về nhà cho cháu không?",
    "ar": "صباح الخير، ابنتي مريضة اليوم ولن تذهب إلى المدرسة. هل يمكنكم إرسال الواجبات إلى البيت؟",
    "zh-Hans": "老师您好，我女儿今天发烧了，不能去上学。请问可以把作业发给我们吗？",
    "so": "Subax wanaagsan, gabadhaydu maanta waa jirran tahay, iskuulka ma imaan karto. Ma noo soo diri kartaan shaqada guriga?",
    "ht": "Bonjou, pitit fi mwen an malad jodi a, li pa ka vin lekòl. Èske nou ka voye devwa a ba li?",
    "hmn": "Nyob zoo xib fwb, kuv tus ntxhais mob hnub no, nws mus tsis tau tsev kawm ntawv.",
}


@pytest.mark.parametrize("tag", list(REPLIES))
def test_real_replies_are_labelled_with_their_language(tag):
    assert detect_language(REPLIES[tag]) == tag


def test_too_little_text_gives_no_answer():
    assert detect_language("ok") is None
    assert detect_language("   ") is None


@pytest.mark.django_db
def test_a_reply_is_translated_into_the_reading_staff_members_language(world, libretranslate):
    world.liaison.interface_language = "en"
    result = services.translate_for_staff(REPLIES["es"], None, "en", world.district)
    assert result.source_language == "es"
    assert result.method == MACHINE
    assert result.original == REPLIES["es"]
    # The server only knows en→xx pairs here; what matters is the request it got.
    call = libretranslate.translate_calls()[0][2]
    assert call["source"] == "es" and call["target"] == "en"
    same = services.translate_for_staff(REPLIES["es"], "es", "es", world.district)
    assert same.method == ORIGINAL and same.text == REPLIES["es"]


@pytest.mark.django_db
def test_with_the_engine_down_staff_still_see_the_original(world, libretranslate):
    libretranslate.down = True
    result = services.translate_for_staff(REPLIES["vi"], "vi", "en", world.district)
    assert result.method == UNTRANSLATED and result.text == REPLIES["vi"]


@pytest.mark.django_db
def test_a_reply_in_another_language_suggests_updating_the_preferred_one(world):
    guardian = world.site_family.guardians.get()  # prefers Vietnamese
    tag, suggestion = services.note_reply_language(guardian=guardian, text=REPLIES["so"])
    assert tag == "so" and suggestion.detected_language == "so"
    # The same again does not pile up suggestions; a reply in the preferred language makes none.
    services.note_reply_language(guardian=guardian, text=REPLIES["so"])
    assert LanguageSuggestion.objects.filter(guardian=guardian).count() == 1
    assert services.note_reply_language(guardian=guardian, text=REPLIES["vi"]) == ("vi", None)
    services.decide_suggestion(suggestion=suggestion, accept=True, by=world.leader)
    guardian.refresh_from_db()
    assert guardian.preferred_language == "so"
