"""A PDF summary of a dashboard for a school leadership meeting: headline figures and the charts,
drawn with fpdf2 (the same library and fonts as the family record PDF)."""

from dataclasses import dataclass

from liaison.audit.pdf import RecordPDF
from liaison.insights.charts import Bar

BLUE = (11, 92, 173)
INK = (27, 31, 36)
GREY = (87, 96, 106)


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    max_value: float | None = None


@dataclass
class Section:
    heading: str
    figures: list[tuple[str, str]]  # (label, value as shown)
    charts: list[Chart]


def _bars(pdf, chart: Chart):
    width = pdf.epw
    label_w, value_w, row_h = 55, 18, 6
    span = width - label_w - value_w - 4
    top = chart.max_value or max([b.value or 0 for b in chart.bars] + [1])
    pdf.set_font(pdf.family_name, size=10)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 6, pdf.text(chart.title), new_x="LMARGIN", new_y="NEXT")
    if not chart.bars:
        pdf.set_text_color(*GREY)
        pdf.cell(width, 6, pdf.text("—"), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(pdf.family_name, size=9)
    for bar in chart.bars[:15]:
        if pdf.will_page_break(row_h):
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        pdf.set_text_color(*INK)
        pdf.set_xy(x, y)
        pdf.cell(label_w - 2, row_h, pdf.text(bar.label[:32]), align="R")
        length = 0 if not bar.value or top <= 0 else max(0.6, span * bar.value / top)
        pdf.set_fill_color(*BLUE)
        if length:
            pdf.rect(x + label_w, y + 1, length, row_h - 2, style="F")
        pdf.set_xy(x + label_w + length + 2, y)
        pdf.cell(value_w, row_h, pdf.text(bar.text))
        pdf.set_y(y + row_h)
    pdf.ln(3)


def summary_pdf(*, title: str, subtitle: str, sections: list[Section]) -> bytes:
    pdf = RecordPDF(format="Letter")
    pdf.setup_fonts()
    pdf.set_title(title)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(pdf.family_name, size=18)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 9, pdf.text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family_name, size=10)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(width, 5, pdf.text(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for section in sections:
        if pdf.will_page_break(40):
            pdf.add_page()
        pdf.set_font(pdf.family_name, size=14)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 8, pdf.text(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(*GREY)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(2)
        pdf.set_font(pdf.family_name, size=10)
        for label, value in section.figures:
            pdf.set_text_color(*GREY)
            pdf.cell(width * 0.6, 6, pdf.text(label))
            pdf.set_text_color(*INK)
            pdf.cell(width * 0.4, 6, pdf.text(value), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for chart in section.charts:
            _bars(pdf, chart)
    return bytes(pdf.output())
