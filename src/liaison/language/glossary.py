"""Keep what machine translation must not change: names, dates, times, places, links and glossary terms.

`protect` swaps each such span for a numbered token the engines pass through untouched, and
`restore` puts the spans back (or the glossary's fixed wording for the target language). A token
an engine dropped is appended, so a name or a link is never lost.
"""

import re
from dataclasses import dataclass, field

MARK = "⟦{}⟧"
MARK_RE = re.compile(r"⟦\s*(\d+)\s*⟧")

PATTERNS = [
    r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]",  # links
    r"\bwww\.[^\s<>\"']+[^\s<>\"'.,;:!?)]",
    r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",  # email addresses
    r"\{[a-z_][a-z0-9_]*\}",  # template placeholders
    r"(?<![\w/])\+?\d[\d().\- ]{6,}\d\b",  # phone numbers
    r"\b\d{4}-\d{2}-\d{2}\b",  # ISO dates
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",  # 12/3, 12/3/2026
    r"\b\d{1,2}[:.]\d{2}\s?(?:[AaPp]\.?\s?[Mm]\.?)?(?!\w)",  # 3:30, 3:30 PM, 15.30
    r"\b\d{1,2}\s?(?:[AaPp]\.[Mm]\.|[AaPp][Mm])(?!\w)",  # 3 pm, 9 a.m.
]
_AUTO = re.compile("|".join(f"(?:{p})" for p in PATTERNS))


@dataclass
class Protected:
    text: str
    spans: list[str] = field(default_factory=list)


def protect(text: str, terms=()) -> Protected:
    """Replace links, numbers of time and date, and the given terms (longest first) with tokens."""
    spans: list[str] = []

    def keep(value: str) -> str:
        spans.append(value)
        return MARK.format(len(spans) - 1)

    out = _AUTO.sub(lambda m: keep(m.group(0)), text)
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if words:
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
        # Never match inside a token already placed.
        parts = re.split(r"(⟦\d+⟧)", out)
        out = "".join(
            part if MARK_RE.fullmatch(part) else pattern.sub(lambda m: keep(m.group(0)), part)
            for part in parts
        )
    return Protected(out, spans)


def restore(translated: str, protected: Protected, fixed: dict[str, str] | None = None) -> str:
    """Put the protected spans back; `fixed` maps a term to its approved wording in the target."""
    fixed = fixed or {}
    seen = set()

    def back(m):
        i = int(m.group(1))
        if i >= len(protected.spans):
            return m.group(0)
        seen.add(i)
        span = protected.spans[i]
        return fixed.get(span, span)

    out = MARK_RE.sub(back, translated)
    missing = [fixed.get(s, s) for i, s in enumerate(protected.spans) if i not in seen]
    if missing:
        out = f"{out} ({', '.join(missing)})"
    return out
