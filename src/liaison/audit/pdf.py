"""The readable PDF of a family's record (fpdf2).

Names in every script: the PDF embeds DejaVu Sans from Debian's fonts-dejavu-core
(LIAISON_PDF_FONT overrides the path; Noto fonts, when installed, are added as fallbacks for
scripts DejaVu lacks). Without any TTF the PDF falls back to a core font and replaces characters
it cannot show with "?" rather than fail.
"""

import os
from pathlib import Path

from fpdf import FPDF

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

    def heading(text, size=14):
        pdf.set_font(pdf.family_name, size=size)
        pdf.multi_cell(width, 8, pdf.text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def line(text):
        pdf.set_font(pdf.family_name, size=10)
        pdf.multi_cell(width, 5, pdf.text(text), new_x="LMARGIN", new_y="NEXT")

    heading(f"Family record — {household.name}", 16)
    line(f"Generated {data['generated_at']} · household #{household.pk}")
    pdf.ln(3)
    for section in data["sections"].values():
        heading(section["label"])
        if not section["entries"]:
            line("—")
        for entry in section["entries"]:
            _write_entry(line, entry, indent="")
        pdf.ln(2)
    heading("Disclosures of this record")
    for d in data["disclosures"] or [{"at": "—"}]:
        if "recipient" in d:
            line(f"{d['at']}: to {d['recipient']} — {d['purpose']} ({d['legal_basis_label']})")
        else:
            line("—")
    pdf.ln(2)
    heading("Who opened this record")
    for a in data["access_log"][:500] or [{"at": "—"}]:
        line(f"{a['at']} {a.get('by', '')} {a.get('action', '')} {a.get('kind', '')}".strip())
    return bytes(pdf.output())


def _write_entry(line, entry, indent):
    for key, value in entry.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            line(f"{indent}{key}:")
            for item in value:
                _write_entry(line, item, indent + "    ")
                line("")
        else:
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            line(f"{indent}{key}: {'' if value is None else value}")
