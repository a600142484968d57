"""The readable PDF of a family's record (fpdf2).

Names in every script: the PDF embeds DejaVu Sans from Debian's fonts-dejavu-core
(LIAISON_PDF_FONT overrides the path; Noto fonts, when installed, are added as fallbacks for
scripts DejaVu lacks). Without any TTF the PDF falls back to a core font and replaces characters
it cannot show with "?" rather than fail.
"""

import datetime as dt
import functools
import os
import re
from pathlib import Path

from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from liaison.audit import record_words as W
from liaison.core import family_record
from liaison.core.dates import local_date, local_datetime
from liaison.core.validators import language_name

FONT_CANDIDATES = [
    os.environ.get("LIAISON_PDF_FONT", ""),
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]
FALLBACK_FONTS = [
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoKufiArabic-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]


def _font_path() -> str | None:
    for candidate in FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class RecordPDF(FPDF):
    unicode = False

    def setup_fonts(self):
        path = _font_path()
        if path:
            self.add_font("Body", "", path)
            self.unicode = True
            fallbacks = []
            for i, extra in enumerate(FALLBACK_FONTS):
                if Path(extra).is_file() and extra.endswith(".ttf"):
                    self.add_font(f"Fallback{i}", "", extra)
                    fallbacks.append(f"Fallback{i}")
            if fallbacks:
                self.set_fallback_fonts(fallbacks)
            self.family_name = "Body"
        else:
            self.family_name = "Helvetica"

    def text(self, value) -> str:
        value = "" if value is None else str(value)
        if not self.unicode:
            value = value.encode("latin-1", "replace").decode("latin-1")
        return value

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family_name, size=8)
        self.cell(0, 8, f"{self.page_no()}", align="C")


def record_pdf(household, data: dict, language: str = "en") -> bytes:
    """The readable record, in `language` (one of record_words.pdf_languages())."""
    with translation.override(language):
        return _record_pdf(household, data)


def _record_pdf(household, data: dict) -> bytes:
    pdf = RecordPDF(format="Letter")
    pdf.setup_fonts()
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.epw
    words = _Words(data)

    def heading(text, size=14):
        pdf.set_font(pdf.family_name, size=size)
        pdf.multi_cell(width, 8, pdf.text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def line(text):
        pdf.set_font(pdf.family_name, size=10)
        pdf.multi_cell(width, 5, pdf.text(text), new_x="LMARGIN", new_y="NEXT")

    heading(_(W.TITLE) % {"name": household.name}, 16)
    line(_(W.MADE) % {"when": words.value("generated_at", data["generated_at"])})
    pdf.ln(3)
    registered = {section.name: section for section in family_record.sections()}
    for name, section in data["sections"].items():
        known = registered.get(name)
        heading(str(known.label) if known else section["label"])
        if not section["entries"]:
            line(_(W.NOTHING))
        said = known.words if known and known.words else None
        for entry in section["entries"]:
            _write_entry(line, words, entry, indent="", said=said)
        pdf.ln(2)
    heading(_(W.DISCLOSURES))
    if not data["disclosures"]:
        line(_(W.NOTHING))
    for d in data["disclosures"]:
        line(
            _(W.DISCLOSED)
            % {
                "when": words.value("at", d["at"]),
                "recipient": d["recipient"],
                "purpose": d["purpose"],
                "basis": words.value("legal_basis", d["legal_basis"]),
            }
        )
    pdf.ln(2)
    heading(_(W.OPENED))
    if not data["access_log"]:
        line(_(W.NOTHING))
    for a in data["access_log"][:500]:
        action = W.OPENINGS.get(a.get("action", ""))
        parts = [words.value("at", a.get("at")), a.get("by") or "—"]
        parts.append(_(action) if action else words.value("action", a.get("action", "")))
        parts.append(words.value("kind", a.get("kind", "")))
        line(" · ".join(p for p in parts if p and p != "—"))
    return bytes(pdf.output())


def _write_entry(line, words, entry, indent, said=None):
    """One entry's keys and values; `said`: the section's own words for an entry (see
    core.family_record), which win over the general ones."""
    own = said(entry) if said else {}
    for key, value in entry.items():
        if words.hidden(key, value):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            line(f"{indent}{words.key(key)}:")
            for item in value:
                _write_entry(line, words, item, indent + "    ", said)
                line("")
        elif key in own:
            line(f"{indent}{words.key(key)}: {own[key] or '—'}")
        else:
            line(f"{indent}{words.key(key)}: {words.value(key, value, entry)}")


# The readable PDF is for the family: no field names, stored codes, ISO times or internal ids
# (record.json beside it keeps those for machines).
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")
_WORD = re.compile(r"[a-z]+")
# Keys whose values name a kind of thing ("concern", "view"): shown as a word, capitalised.
_NAMING_KEYS = ("type", "kind", "action", "field")


@functools.cache
def _choice_words() -> dict[str, dict[str, str]]:
    """The words of every model field's choices, by the field's name ("state", "channel",
    "relationship"): the apps' records name their values after their fields."""
    words: dict[str, dict[str, str]] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value:
                    words.setdefault(field.name, {}).setdefault(value, label)
    return words


class _Words:
    """A record's keys and values as a person reads them."""

    def __init__(self, data: dict):
        self.people: dict[int, str] = {}
        for section in data["sections"].values():
            for entry in section["entries"]:
                for guardian in entry.get("guardians", []) if isinstance(entry, dict) else []:
                    name = f"{guardian.get('given_name', '')} {guardian.get('family_name', '')}"
                    self.people[guardian.get("id")] = name.strip()

    def hidden(self, key: str, value) -> bool:
        """Internal ids: the family's record names people and things, not rows."""
        if key in ("guardian", "guardian_id"):
            return False  # shown by the guardian's name
        # "parts": what a history line says, as data (its words are the line's "new").
        return key in ("id", "parts") or key.endswith(("_id", "_ids"))

    @staticmethod
    def key(key: str) -> str:
        word = W.KEYS.get(key)
        return _(word) if word else key.replace("_", " ").capitalize()

    def value(self, key: str, value, entry: dict | None = None) -> str:
        if isinstance(value, list):
            return ", ".join(self.value(key, v) for v in value) or "—"
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        if key in ("guardian", "guardian_id") and isinstance(value, int):
            return self.people.get(value) or "—"
        if not isinstance(value, str):
            return str(value)
        if "language" in key:
            return language_name(value)
        if key in ("type", "kind") and value in W.ENTRIES:
            return _(W.ENTRIES[value])
        if key == "field" and value in W.KEYS:
            return _(W.KEYS[value])
        if _ISO_MOMENT.fullmatch(value[:16]):
            try:
                return local_datetime(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        if _ISO_DAY.fullmatch(value):
            return local_date(dt.date.fromisoformat(value))
        choices = _choice_words()
        names = [key, key.rstrip("s"), key.split("_")[-1], key.split("_")[-1].rstrip("s")]
        if key in ("old", "new") and entry and entry.get("field"):
            names.insert(0, entry["field"])  # a history's values, by the field that changed
        for name in names:
            if value in choices.get(name, {}):
                label = str(choices[name][value])
                return label[:1].upper() + label[1:] if key in _NAMING_KEYS else label
        if _CODE.fullmatch(value) or (key in _NAMING_KEYS and _WORD.fullmatch(value)):
            return value.replace("_", " ").capitalize()
        return value
