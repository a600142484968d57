"""The sections of a family's record, for the FERPA record-on-request export and for erasure.

Each app keeps its part in `<app>/records.py` and registers it from there (called in
AppConfig.ready()); the audit app builds the export and runs the erasure from these sections:
    family_record.register(section="messages", export=fn, erase=fn, label=_("Messages"))
- export(household) -> list[dict]: everything the app holds about the household, JSON-ready
  (ISO dates, no model instances), excluding what the law restricts (e.g. confidential notes).
  Registered with takes_viewer=True it is called export(household, viewer=<the staff member
  producing the export>) and leaves out what the policy hides from that person (a concern about
  them).
- words(entry) -> dict (optional): for one of the section's entries (at any depth), the values
  that need the app's own words in the reader's language (a history line's action), by key; the
  readable PDF calls it under the language it is written in.
- erase(household, *, keep_tombstone=True) -> int: remove the household's data the app owns
  (called by erasure on request and retention; legal holds are checked before calling). The
  "people" section (the household, guardians and students themselves) is erased last.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Section:
    name: str
    label: str | Promise
    export: Callable
    erase: Callable | None
    takes_viewer: bool = False
    words: Callable[[dict], dict] | None = None

    def export_for(self, household, viewer=None) -> list:
        if self.takes_viewer:
            return list(self.export(household, viewer=viewer))
        return list(self.export(household))


_sections: dict[str, Section] = {}


def register(
    *,
    section: str,
    export: Callable,
    erase: Callable | None = None,
    label: str | Promise = "",
    takes_viewer: bool = False,
    words: Callable[[dict], dict] | None = None,
) -> None:
    _sections[section] = Section(section, label or section, export, erase, takes_viewer, words)


def sections() -> list[Section]:
    return list(_sections.values())
