"""Words families use for common needs in their own languages, mapped to the English words of the
directory, so that "comida", "nourriture" or "manje" find food pantries. Small on purpose: it
covers the district's top home languages for the needs liaisons refer most."""

import re
import unicodedata

SYNONYMS = {
    "food": [
        "comida",
        "alimentos",
        "despensa",
        "nourriture",
        "manje",
        "comida",
        "thuc pham",
        "cunto",
        "طعام",
        "食物",
        "еда",
        "음식",
    ],
    "housing": [
        "vivienda",
        "casa",
        "alquiler",
        "renta",
        "logement",
        "loyer",
        "lojman",
        "moradia",
        "nha o",
        "guri",
        "سكن",
        "住房",
        "жильё",
        "주거",
    ],
    "health": [
        "salud",
        "medico",
        "doctor",
        "clinica",
        "sante",
        "sante",
        "sante",
        "saude",
        "suc khoe",
        "caafimaad",
        "صحة",
        "医疗",
        "здоровье",
        "건강",
    ],
    "counseling": ["consejeria", "terapia", "psicologo", "conseil", "tham van", "استشارة"],
    "legal": ["abogado", "legal", "avocat", "avoka", "advogado", "luat su", "قانوني", "律师"],
    "immigration": [
        "inmigracion",
        "migracion",
        "asilo",
        "immigration",
        "imigrasyon",
        "imigracao",
        "di tru",
        "هجرة",
        "移民",
    ],
    "clothing": ["ropa", "vetements", "rad", "roupas", "quan ao", "dhar", "ملابس", "衣服"],
    "employment": ["empleo", "trabajo", "emploi", "travay", "emprego", "viec lam", "shaqo", "عمل"],
    "childcare": ["guarderia", "cuidado infantil", "garderie", "creche", "nha tre"],
    "transportation": ["transporte", "transport", "transpo", "xe buyt"],
    "utilities": ["luz", "electricidad", "factura", "electricite", "dien", "kuryan"],
    "school": ["escuela", "ecole", "lekol", "escola", "truong hoc", "iskuul", "مدرسة", "学校"],
}


def fold(text: str) -> str:
    if not text or text.isascii():  # nothing to fold but case (most descriptions, quickly)
        return (text or "").casefold()
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_INDEX = {fold(word): english for english, words in SYNONYMS.items() for word in words}


def english_for(word: str) -> str | None:
    """The directory's word for a family's word, when we know one."""
    word = fold(word)
    if word in _INDEX:
        return _INDEX[word]
    # Allow a typed prefix of three letters or more ("aliment" for "alimentos").
    if len(word) >= 4:
        for known, english in _INDEX.items():
            if known.startswith(word) and not re.search(r"\s", known):
                return english
    return None
