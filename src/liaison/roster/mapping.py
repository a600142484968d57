"""The metadata.* column mapping (a small TOML file) and SIS language values → BCP 47 tags."""

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from liaison.core.validators import language_from_name, normalize_language_tag
from liaison.people.choices import Programme
from liaison.roster.bundle import Refused

PROGRAMMES = frozenset(Programme.values)

DEFAULT = Path(__file__).with_name("default_mapping.toml")
TRUE_WORDS = {"1", "y", "yes", "true", "t", "x", "restricted", "no contact", "nocontact"}


@dataclass
class Mapping:
    guardian: dict[str, list[str]] = field(default_factory=dict)
    student: dict[str, list[str]] = field(default_factory=dict)
    programmes: dict[str, str] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)

    def column(self, kind: str, name: str, header: list[str]) -> str | None:
        """The first configured column for this field that the file has."""
        for col in getattr(self, kind).get(name, []):
            if col in header:
                return col
        return None

    def language(self, value: str) -> str | None:
        """A BCP 47 tag for a language name, ISO 639-1/2/3 code or SIS code; None when unknown."""
        memo = self.__dict__.setdefault("_memo", {})
        if value not in memo:
            memo[value] = self._language(value)
        return memo[value]

    def _language(self, value: str) -> str | None:
        raw = (value or "").strip()
        if not raw:
            return None
        sis = self.languages.get(raw.upper())
        if sis:
            return sis
        try:
            return normalize_language_tag(raw)
        except ValidationError:
            pass
        return language_from_name(raw)

    def programme_list(self, value: str) -> tuple[list[str], list[str]]:
        """(programmes, unknown values) for a comma- or semicolon-separated list."""
        known: list[str] = []
        unknown: list[str] = []
        valid = PROGRAMMES
        for part in value.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            code = self.programmes.get(part.lower(), part.lower())
            (known if code in valid else unknown).append(code if code in valid else part)
        return list(dict.fromkeys(known)), unknown

    @staticmethod
    def restricted(value: str) -> bool:
        return (value or "").strip().lower() in TRUE_WORDS


def load(path: str | Path | None = None) -> Mapping:
    path = Path(path or getattr(settings, "LIAISON_ROSTER_MAPPING", "") or DEFAULT)
    # An operator's file (LIAISON_ROSTER_MAPPING) that is missing or mistyped refuses the import
    # in words, before anything is read or written.
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise Refused(
            _("The roster mapping file %(path)s (LIAISON_ROSTER_MAPPING) cannot be read: %(error)s")
            % {"path": path, "error": getattr(e, "strerror", None) or e}
        ) from None

    def lists(section):
        return {k: [v] if isinstance(v, str) else list(v) for k, v in data.get(section, {}).items()}

    return Mapping(
        guardian=lists("guardian"),
        student=lists("student"),
        programmes={k.lower(): v for k, v in data.get("programmes", {}).items()},
        languages={k.upper(): v for k, v in data.get("languages", {}).items()},
    )


@lru_cache(maxsize=4)
def cached(path: str = "") -> Mapping:
    return load(path or None)
