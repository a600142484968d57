"""The staff interface in Spanish: the catalogue is complete and the pages use it."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import liaison

PO = Path(liaison.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_every_string_of_the_spanish_catalogue_is_translated():
    catalogue = read_po(PO.open("rb"))
    missing = [
        m.id
        for m in catalogue
        if m.id
        and ("fuzzy" in m.flags or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert missing == []
    assert PO.with_suffix(".mo").exists()


@pytest.mark.django_db
def test_a_staff_member_reading_spanish_gets_spanish_pages(client, world):
    client.force_login(world.liaison)
    page = client.get("/language/", headers={"accept-language": "es"}).content.decode()
    assert "Acceso lingüístico" in page
    assert "Familias que no entendieron un mensaje" in page


def _staff_texts() -> set[tuple[str | None, str | tuple[str, str]]]:
    """Every text the staff side marks for translation, as makemessages finds it (docs/language.md):
    the Python source and the templates (through Django's templatize), the portal left out."""
    import io

    from babel.messages.extract import extract_python
    from django.utils.translation.template import templatize

    root = Path(liaison.__file__).parent
    keywords = {
        "_": None,
        "gettext": None,
        "gettext_lazy": None,
        "gettext_noop": None,
        "ngettext": (1, 2),
        "ngettext_lazy": (1, 2),
        "pgettext": ((1, "c"), 2),
        "pgettext_lazy": ((1, "c"), 2),
        "npgettext": ((1, "c"), 2, 3),
        "npgettext_lazy": ((1, "c"), 2, 3),
    }
    found = set()
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if parts[0] in ("portal", "static", "locale") or "migrations" in parts:
            continue
        if path.suffix == ".py":
            code = path.read_text(encoding="utf-8")
        elif path.suffix == ".html" and "templates" in parts:
            # Django's own stand-in for xgettext: the text blanked out, the calls kept; flush left
            # so that Python's tokenizer reads it.
            code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            code = "\n".join(line.lstrip() for line in code.splitlines())
        else:
            continue
        for _line, funcname, message, _comments in extract_python(
            io.BytesIO(code.encode()), keywords.keys(), [], {}
        ):
            spec = keywords[funcname]
            strings = message if isinstance(message, tuple) else (message,)
            if spec and isinstance(spec[0], tuple):  # the first argument is the context
                context, strings = strings[0], strings[1:]
            else:
                context = None
            if not strings or not all(isinstance(s, str) and s for s in strings):
                continue  # a variable, not a text
            found.add((context, strings[0] if len(strings) == 1 else tuple(strings[:2])))
    return found


def test_the_spanish_catalogue_holds_every_staff_text_of_the_source():
    """Run makemessages (docs/language.md) when this fails: the new texts are missing from it."""
    catalogue = read_po(PO.open("rb"))
    texts = _staff_texts()
    assert ("family", "Was your concern resolved?") in texts  # Python, with a context
    assert (None, "What needs you, most pressing first") in texts  # a template
    missing = sorted(
        str(msgid)
        for context, msgid in texts
        if catalogue.get(msgid[0] if isinstance(msgid, tuple) else msgid, context=context) is None
    )
    assert missing == []
