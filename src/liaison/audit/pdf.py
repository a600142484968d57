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
from django.utils.translation import gettext as _
from fpdf import FPDF

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


def record_pdf(household, data: dict) -> bytes:
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

    heading(f"Family record — {household.name}", 16)
    line(f"Generated {words.value('generated_at', data['generated_at'])}")
    pdf.ln(3)
    for section in data["sections"].values():
        heading(section["label"])
        if not section["entries"]:
            line("—")
        for entry in section["entries"]:
            _write_entry(line, words, entry, indent="")
        pdf.ln(2)
    heading("Disclosures of this record")
    for d in data["disclosures"] or [{"at": "—"}]:
        if "recipient" in d:
            at = words.value("at", d["at"])
            line(f"{at}: to {d['recipient']} — {d['purpose']} ({d['legal_basis_label']})")
        else:
            line("—")
    pdf.ln(2)
    heading("Who opened this record")
    for a in data["access_log"][:500] or [{"at": "—"}]:
        parts = [words.value(key, a.get(key, "")) for key in ("at", "by", "action", "kind")]
        line(" · ".join(p for p in parts if p and p != "—"))
    return bytes(pdf.output())


def _write_entry(line, words, entry, indent):
    for key, value in entry.items():
        if words.hidden(key, value):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            line(f"{indent}{words.key(key)}:")
            for item in value:
                _write_entry(line, words, item, indent + "    ")
                line("")
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
        return key == "id" or key.endswith(("_id", "_ids"))

    @staticmethod
    def key(key: str) -> str:
        return key.replace("_", " ").capitalize()

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
