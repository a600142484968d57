"""Charts drawn on the server as accessible SVG: a title and description for screen readers, and
every chart is shown next to the table of the same numbers (the template's job)."""

import hashlib
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

WIDTH = 640
BAR_HEIGHT = 26
LABEL_WIDTH = 190
PALETTE = "#0b5cad"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # the value as shown ("42%", "17")
    href: str = ""


def bar_chart(
    bars: list[Bar], *, title: str, description: str, max_value: float | None = None
) -> str:
    height = max(1, len(bars)) * BAR_HEIGHT + 10
    top = max_value if max_value is not None else max([b.value or 0 for b in bars] + [1])
    chart_id = (
        "chart-"
        + hashlib.md5(f"{title}|{description}".encode(), usedforsecurity=False).hexdigest()[:8]
    )
    # An image may not hold links: a chart whose bars drill down is a labelled group instead.
    role = "group" if any(b.href for b in bars) else "img"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="{role}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    span = WIDTH - LABEL_WIDTH - 70
    for i, bar in enumerate(bars):
        y = 5 + i * BAR_HEIGHT
        length = 0 if not bar.value or top <= 0 else max(2, span * bar.value / top)
        label = escape(bar.label[:28])
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" font-size="13" fill="#1b1f24">'
            f"{label}</text>"
        )
        rect = (
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{BAR_HEIGHT - 8}" '
            f'fill="{PALETTE}" rx="2"/>'
        )
        link_name = escape(f"{bar.label}: {bar.text}")
        parts.append(
            f'<a href="{escape(bar.href)}" aria-label="{link_name}">{rect}</a>'
            if bar.href
            else rect
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 17}" font-size="13" fill="#1b1f24">'
            f"{escape(bar.text)}</text>"
        )
    parts.append("</svg>")
    # Every label and value interpolated above went through escape(); numbers are formatted floats.
    return mark_safe("".join(parts))  # noqa: S308


def line_chart(
    points: list[tuple[str, float | None]], *, title: str, description: str, percent: bool = True
) -> str:
    height, pad = 180, 36
    chart_id = (
        "chart-"
        + hashlib.md5(f"{title}|{description}".encode(), usedforsecurity=False).hexdigest()[:8]
    )
    values = [v for _, v in points if v is not None]
    top = 1.0 if percent else max([*values, 1])
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{WIDTH - 10}" y2="{height - pad}" stroke="#57606a"/>',
        f'<text x="4" y="{pad}" font-size="12" fill="#57606a">{"100%" if percent else f"{top:g}"}</text>',
        f'<text x="4" y="{height - pad}" font-size="12" fill="#57606a">0</text>',
    ]
    if len(points) >= 1:
        step = (WIDTH - pad - 20) / max(1, len(points) - 1)
        coords = []
        for i, (_, value) in enumerate(points):
            if value is None:
                continue
            x = pad + i * step
            y = (height - pad) - (height - 2 * pad) * (value / top if top else 0)
            coords.append((x, y))
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{PALETTE}" stroke-width="3"/>'
            )
            parts += [
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE}"/>' for x, y in coords
            ]
        parts.append(
            f'<text x="{pad}" y="{height - 12}" font-size="12" fill="#57606a">{escape(points[0][0])}</text>'
        )
        parts.append(
            f'<text x="{WIDTH - 10}" y="{height - 12}" text-anchor="end" font-size="12" fill="#57606a">'
            f"{escape(points[-1][0])}</text>"
        )
    parts.append("</svg>")
    # Every label and value interpolated above went through escape(); numbers are formatted floats.
    return mark_safe("".join(parts))  # noqa: S308
