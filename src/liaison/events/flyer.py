"""A printable flyer (PDF, fpdf2) with the event in each language chosen.

fpdf2's built-in fonts cover Latin-1 only. When the operator points EVENTS_FLYER_FONT at a Unicode
TTF (e.g. DejaVuSans.ttf from the fonts-dejavu-core package) every script that font covers prints;
without it, a language whose text does not fit Latin-1 is left out and listed as skipped.
"""

import io

import segno
from django.conf import settings
from fpdf import FPDF

from liaison.core.validators import language_name


def _fits_latin1(*texts) -> bool:
    try:
        for t in texts:
            t.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def flyer_pdf(
    event, renderings: dict, *, when: str, where: str, url: str = ""
) -> tuple[bytes, list]:
    """renderings: language -> (title, body). Returns (pdf bytes, languages skipped)."""
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(True, margin=15)
    font_path = settings.EVENTS_FLYER_FONT
    family = "Helvetica"
    if font_path:
        pdf.add_font("Flyer", "", font_path)
        pdf.add_font("Flyer", "B", font_path)
        family = "Flyer"
    skipped = []
    for language, (title, body) in renderings.items():
        if family == "Helvetica" and not _fits_latin1(title, body, when, where):
            skipped.append(language)
            continue
        pdf.add_page()
        pdf.set_font(family, "", 11)
        pdf.cell(0, 8, language_name(language), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "B", 26)
        pdf.multi_cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font(family, "B", 15)
        pdf.multi_cell(0, 8, when, new_x="LMARGIN", new_y="NEXT")
        if where:
            pdf.multi_cell(0, 8, where, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font(family, "", 13)
        pdf.multi_cell(0, 7, body, new_x="LMARGIN", new_y="NEXT")
        if url:
            buf = io.BytesIO()
            segno.make(url).save(buf, kind="png", scale=6, border=2)
            buf.seek(0)
            pdf.ln(6)
            pdf.image(buf, w=45)
    if not pdf.pages:
        pdf.add_page()
        pdf.set_font("Helvetica", "", 13)
        pdf.multi_cell(0, 7, "No language chosen could be printed with the fonts installed.")
    return bytes(pdf.output()), skipped
