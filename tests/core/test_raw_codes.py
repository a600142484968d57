"""No staff page shows a code where a person reads words: every staff page of the access matrix
(the page-cost guard's world, with messages, deliveries, concerns, events, referrals and
interpreter requests) is rendered, and no piece of its text is a bare choice value ("sms",
"delivered", "queued") or language tag ("es", "vi", "zh-Hans")."""

import importlib
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from tests.access import family
from tests.conftest import make_world
from tests.core.test_access_matrix import ROWS
from tests.core.test_page_cost import PAGES, Grower

# One worker takes the module (pytest-xdist): its module fixture is built once, not once a worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("raw-codes")]

LANGUAGE_TAGS = {"es", "ar", "zh-Hans", "zh-hans", "vi", "ht", "so", "pt", "ru", "fr", "ko", "en"}


def _choice_codes() -> set[str]:
    """Every stored value of the apps' enumerations that differs from the words shown for it."""
    codes = set()
    for config in apps.get_app_configs():
        if not config.name.startswith("liaison."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.choices")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, models.TextChoices):
                for code, label in value.choices:
                    if code and code != str(label) and re.fullmatch(r"[a-z_]+", code):
                        codes.add(code)
    return codes


CODES = _choice_codes() | LANGUAGE_TAGS


class _Text(HTMLParser):
    """The text a person reads: not scripts, styles, nor attribute values."""

    def __init__(self):
        super().__init__()
        self.pieces, self._skip, self.context = [], 0, {}

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        """A code stands alone when it is the whole text, when a list holds nothing but codes
        ("sms, email"), or when a language tag follows a name in brackets ("Spanish (es)")."""
        if self._skip or not data.strip():
            return
        pieces = [p.strip() for p in re.split(r"[·,|/\n]", data) if p.strip()]
        found = [p for p in pieces if p in CODES] if all(p in CODES for p in pieces) else []
        found += [p for p in pieces if p in LANGUAGE_TAGS and p not in found]
        found += [t for t in re.findall(r"\(([A-Za-z-]+)\)", data) if t in LANGUAGE_TAGS]
        for code in found:
            self.pieces.append(code)
            self.context[code] = " ".join(data.split())[:80]


def bare_codes(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return sorted(set(parser.pieces))


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = {}
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        world = make_world()
        Grower(world).grow(2)
        clients = {}
        for name, (role, relationship) in PAGES.items():
            if role not in clients:
                clients[role] = Client()
                clients[role].force_login(getattr(world, role))
            if relationship is None:
                url = reverse(name)
            else:
                url = reverse(name, args=ROWS[name].args(world, family(world, relationship)))
            response = clients[role].get(url)
            kind = response.get("Content-Type", "")
            out[name] = response.content.decode() if "html" in kind else ""
        transaction.set_rollback(True)
    translation.deactivate()
    return out


def test_the_check_sees_a_bare_code():
    assert bare_codes("<td>sms</td><td>Delivered</td>") == ["sms"]
    assert bare_codes("<p>Spanish · es</p>") == ["es"]
    assert bare_codes('<p lang="es" class="queued">Text message · <b>delivered</b></p>') == [
        "delivered"
    ]
    assert bare_codes("<p>Sent by email to Ana</p>") == []
    assert bare_codes("<dd>Spanish (es)</dd><dd>sms, email</dd>") == ["email", "es", "sms"]
    assert bare_codes("<p>Name, phone, email, or a child's name</p>") == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_staff_page_shows_a_bare_code(pages, name):
    parser = _Text()
    parser.feed(pages[name])
    shown = {p: parser.context[p] for p in parser.pieces}
    assert shown == {}, name
