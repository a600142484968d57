"""Apertium, offline on this server: English ↔ Spanish from Debian's `apertium` and
`apertium-en-es` (scripts/ensure-apertium installs them where it may).

Rule-based: plainer than a neural engine, but on the machine, free and immediate, and nothing
leaves the server. Each text is one run of the `apertium` pipeline (about 0.2 s); what it cannot
translate it leaves as written (`-u`: no marks on unknown words). The glossary's protected terms
(⟦n⟧) pass through it unchanged. Without the program or a language pair, the engine offers
nothing and messages fall back to the original with a translated note, as with no engine.
"""

import re
import shutil
import subprocess

from liaison.core.i18n import base_language
from liaison.language.engines.base import Engine, EngineRefused, EngineUnavailable

# A hyphen joining two words ("after-school", "five-year-old"): eng-spa generates such compounds
# run together ("formadespuésescolar", "niñodecincoaños"), which no family can read; as separate
# words they come out as Spanish ("forma después escolar", "niño de cinco años"). Short parts
# ("e-mail", "Wi-Fi", "re-enroll") are left joined: Apertium passes them through as written.
COMPOUND_HYPHEN = re.compile(r"(?<=[^\W\d_]{3})-(?=[^\W\d_]{3})")

# Apertium's modes for the pairs it has, by (source, target) base language.
MODES = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}


def program() -> str | None:
    return shutil.which("apertium")


# The modes found, once found: read once a process (a pair installed later needs a restart), but a
# program not found yet is looked for again, so a server does not keep refusing an engine that an
# operator installed after it started.
_found: list[frozenset[str]] = []


def installed_modes() -> frozenset[str]:
    """The modes `apertium -l` lists."""
    if _found:
        return _found[0]
    found = program()
    if not found:
        return frozenset()
    try:
        # The program found on PATH, fixed arguments.
        listed = subprocess.run(  # noqa: S603
            [found, "-l"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    modes = frozenset(line.strip() for line in listed.stdout.splitlines() if line.strip())
    if modes:
        _found.append(modes)
    return modes


def forget_modes() -> None:
    """Read the modes again at the next question (tests, and a pair installed while running)."""
    _found.clear()


def _mode(source: str, target: str) -> str | None:
    mode = MODES.get((base_language(source), base_language(target)))
    return mode if mode and mode in installed_modes() else None


class Apertium(Engine):
    kind = "apertium"

    def supported_targets(self) -> set[str]:
        modes = installed_modes()
        return {target for (_source, target), mode in MODES.items() if mode in modes}

    def can_translate(self, source: str, target: str) -> bool:
        return super().can_translate(source, target) and _mode(source, target) is not None

    def _translate(self, texts: list[str], *, source: str, target: str) -> list[str]:
        mode = _mode(source, target)
        found = program()
        if mode is None or found is None:
            raise EngineRefused(f"Apertium has no {source}→{target} pair on this server")
        out: list[str] = []
        for text in texts:
            try:
                # Fixed arguments; the family's or school's text goes on stdin, never on the
                # command line.
                done = subprocess.run(  # noqa: S603
                    [found, "-u", "-f", "txt", mode],
                    input=COMPOUND_HYPHEN.sub(" ", text),
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise EngineUnavailable(f"Apertium took longer than {self.timeout} s") from None
            except OSError as exc:
                raise EngineUnavailable(f"Apertium could not run: {exc}") from None
            if done.returncode != 0:
                raise EngineUnavailable(f"Apertium failed: {done.stderr.strip()[:200]}")
            translated = done.stdout
            # The pipeline ends its output as the input ended: nothing added at either end.
            if not text.endswith("\n"):
                translated = translated.rstrip("\n")
            out.append(translated)
        return out
