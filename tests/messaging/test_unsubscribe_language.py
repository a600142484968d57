"""The unsubscribe page an email links to speaks the family's language, not the browser's."""

import pytest
from django.urls import reverse

from liaison.messaging.tokens import unsubscribe_token
from tests.messaging.factories import family


@pytest.mark.parametrize(
    ("language", "question", "done"),
    [
        ("es", "¿Darse de baja de los correos de la escuela?", "Se ha dado de baja"),
        ("ar", "هل تريدون إلغاء الاشتراك في رسائل المدرسة الإلكترونية؟", "تم إلغاء اشتراككم"),
    ],
)
def test_the_unsubscribe_page_is_in_the_guardians_language(client, world, language, question, done):
    _household, (mum,) = family(
        world.district, guardians=1, language=language, email=f"mum-{language}@example.org"
    )
    url = reverse("messaging:unsubscribe", args=[unsubscribe_token("email", mum.email)])
    page = client.get(url, headers={"accept-language": "en"})
    html = page.content.decode()
    assert question in html and f'lang="{language}"' in html
    assert "Unsubscribe from school emails?" not in html
    assert done in client.post(url).content.decode()


def test_an_address_we_do_not_know_gets_the_browsers_language(client, world):
    url = reverse("messaging:unsubscribe", args=[unsubscribe_token("email", "x@example.org")])
    html = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Unsubscribe from school emails?" in html
