"""A printable flyer (PDF, fpdf2) with the event in each language chosen.

fpdf2's built-in fonts cover Latin-1 only, so the flyer prints with Unicode fonts found on the
machine: DejaVu or Noto Sans for Latin (Vietnamese included), Cyrillic, Greek and Arabic, and Noto
Sans CJK for Chinese, Japanese and Korean (Debian: fonts-dejavu-core, fonts-noto-core,
fonts-noto-cjk), or the fonts an operator lists in LIAISON_EVENTS_FLYER_FONTS. Right-to-left scripts
are shaped with HarfBuzz (uharfbuzz) so Arabic letters join and read right to left. A language whose
letters no installed font has is not printed, and the flyer's last page says which and why.
"""

import functools
import io
import logging
import os
from dataclasses import dataclass

import segno
from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF

from liaison.core.i18n import base_language
from liaison.core.templatetags.liaison import text_direction
from liaison.core.validators import language_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlyerFont:
    regular: str
    bold: str = ""
    face: int = 0  # which face of a .ttc collection
    # Base languages this font should lead for (a CJK face draws its own language's glyph forms).
    leads: tuple = ()


_DEBIAN = "/usr/share/fonts"
_CJK = (
    f"{_DEBIAN}/opentype/noto/NotoSansCJK-Regular.ttc",
    f"{_DEBIAN}/opentype/noto/NotoSansCJK-Bold.ttc",
)
_CJK_FEDORA = (
    f"{_DEBIAN}/google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc",
    "",
)
# Tried in order; the first one that has every letter of a language's text prints it.
CANDIDATES = (
    FlyerFont(
        f"{_DEBIAN}/truetype/dejavu/DejaVuSans.ttf",
        f"{_DEBIAN}/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    FlyerFont(
        f"{_DEBIAN}/dejavu-sans-fonts/DejaVuSans.ttf",
        f"{_DEBIAN}/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ),
    FlyerFont(
        f"{_DEBIAN}/truetype/noto/NotoSans-Regular.ttf",
        f"{_DEBIAN}/truetype/noto/NotoSans-Bold.ttf",
    ),
    FlyerFont(
        f"{_DEBIAN}/truetype/noto/NotoSansArabic-Regular.ttf",
        f"{_DEBIAN}/truetype/noto/NotoSansArabic-Bold.ttf",
    ),
    # Noto Sans CJK's faces, in the collection's order: JP, KR, SC, TC, HK.
    FlyerFont(*_CJK, face=2, leads=("zh",)),
    FlyerFont(*_CJK, face=1, leads=("ko",)),
    FlyerFont(*_CJK, face=0, leads=("ja",)),
    FlyerFont(*_CJK_FEDORA, face=0, leads=("zh", "ko", "ja")),
    FlyerFont("/System/Library/Fonts/Supplemental/Arial Unicode.ttf"),
    FlyerFont("/Library/Fonts/Arial Unicode.ttf"),
)


def _from_setting(entry: str) -> FlyerFont:
    """'path' or 'path#face' (a face of a .ttc collection)."""
    path, _sep, face = entry.partition("#")
    return FlyerFont(path, face=int(face) if face.isdigit() else 0)


def installed_fonts() -> list[FlyerFont]:
    configured = [_from_setting(e) for e in settings.EVENTS_FLYER_FONTS if e]
    return [f for f in (*configured, *CANDIDATES) if os.path.isfile(f.regular)]


@functools.lru_cache(maxsize=32)
def _letters(path: str, face: int) -> frozenset:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=face, lazy=True)
    return frozenset(font.getBestCmap() or ())


def _needed(*texts) -> set:
    # Spaces, line breaks and format characters are laid out, not drawn.
    return {ord(c) for t in texts for c in t if not c.isspace() and c.isprintable()}


def font_for(language: str, *texts, fonts=None) -> FlyerFont | None:
    """The font that prints every letter of these texts, preferring one made for the language."""
    fonts = installed_fonts() if fonts is None else fonts
    base = base_language(language)
    needed = _needed(*texts)
    ranked = sorted(fonts, key=lambda f: base not in f.leads)
    for font in ranked:
        try:
            if needed <= _letters(font.regular, font.face):
                return font
        except Exception:  # an unreadable font file is skipped, not fatal
            logger.warning("Flyer font %s could not be read; skipped", font.regular, exc_info=True)
    return None


def _shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def flyer_pdf(event, renderings: dict, *, where: str, url: str = "") -> tuple[bytes, list]:
    """renderings: language -> (title, body, when). Returns (pdf bytes, languages not printed)."""
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(True, margin=15)
    fonts = installed_fonts()
    shaping = _shaping_available()
    added = set()
    skipped = []
    for language, (title, body, when) in renderings.items():
        rtl = text_direction(language) == "rtl"
        font = font_for(language, title, body, when, where, language_name(language), fonts=fonts)
        if font is None or (rtl and not shaping):
            skipped.append(language)
            continue
        family = f"Flyer{fonts.index(font)}"
        if family not in added:
            pdf.add_font(family, "", font.regular, collection_font_number=font.face)
            pdf.add_font(family, "B", font.bold or font.regular, collection_font_number=font.face)
            added.add(family)
        if shaping:
            pdf.set_text_shaping(True, direction="rtl" if rtl else "ltr")
        align = "R" if rtl else "L"
        pdf.add_page()
        pdf.set_font(family, "", 11)
        pdf.multi_cell(0, 8, language_name(language), align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "B", 26)
        pdf.multi_cell(0, 12, title, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font(family, "B", 15)
        pdf.multi_cell(0, 8, when, align=align, new_x="LMARGIN", new_y="NEXT")
        if where:
            pdf.multi_cell(0, 8, where, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font(family, "", 13)
        pdf.multi_cell(0, 7, body, align=align, new_x="LMARGIN", new_y="NEXT")
        if url:
            buf = io.BytesIO()
            segno.make(url).save(buf, kind="png", scale=6, border=2)
            buf.seek(0)
            pdf.ln(6)
            pdf.image(buf, w=45, x=pdf.w - pdf.r_margin - 45 if rtl else None)
    if skipped or not pdf.pages:
        # Said in the staff member's language, with Latin-1 names so the built-in font prints it.
        if shaping:
            pdf.set_text_shaping(False)
        pdf.add_page()
        pdf.set_font("Helvetica", "", 12)
        names = ", ".join(language_name(code) for code in skipped) or "-"
        note = _(
            "Not printed: %(languages)s. No font installed on the server has these letters; "
            "the operator can install Noto fonts (see docs/events.md)."
        ) % {"languages": names}
        pdf.multi_cell(0, 7, note.encode("latin-1", "replace").decode("latin-1"))
    return bytes(pdf.output()), skipped
