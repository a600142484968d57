"""Opening a OneRoster CSV bundle (a folder or a .zip): manifest, file modes, streamed rows, up-front checks."""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

csv.field_size_limit(10 * 1024 * 1024)

# The files Liaison reads, in the order they are applied, with the columns each must have.
REQUIRED = {
    "orgs.csv": ["sourcedId", "name", "type"],
    "academicSessions.csv": ["sourcedId", "title", "type", "startDate", "endDate"],
    "roles.csv": ["userSourcedId", "roleType", "role", "orgSourcedId"],
    "demographics.csv": ["sourcedId", "birthDate"],
    "users.csv": ["sourcedId", "givenName", "familyName"],
    "classes.csv": ["sourcedId", "title", "schoolSourcedId"],
    "enrollments.csv": ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
}
KNOWN_OTHER = {
    "courses.csv",
    "lineItems.csv",
    "results.csv",
    "categories.csv",
    "resources.csv",
    "classResources.csv",
    "courseResources.csv",
    "userProfiles.csv",
    "manifest.csv",
    "scoreScales.csv",
    "lineItemLearningObjectiveIds.csv",
    "userResources.csv",
}
MODES = ("absent", "bulk", "delta")


class Refused(Exception):
    """The upload is not a OneRoster bundle at all: nothing is changed and one message says why."""


@dataclass
class Bundle:
    path: Path
    version: str = "1.0"
    modes: dict[str, str] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    source_system: str = ""
    _zip: zipfile.ZipFile | None = None
    # "export/" when the archive holds its files in one top-level folder, as zipping a folder does
    _prefix: str = ""

    # -- access -------------------------------------------------------------------------------
    def _names(self) -> set[str]:
        if self._zip is not None:
            return {
                n[len(self._prefix) :]
                for n in self._zip.namelist()
                if n.startswith(self._prefix) and "/" not in n[len(self._prefix) :].strip("/")
            }
        return {p.name for p in self.path.iterdir() if p.is_file()}

    def _binary(self, name: str):
        if self._zip is not None:
            return self._zip.open(self._prefix + name)
        return (self.path / name).open("rb")

    def text(self, name: str):
        return io.TextIOWrapper(self._binary(name), encoding="utf-8-sig", newline="")

    def has(self, name: str) -> bool:
        return self.modes.get(name, "absent") != "absent"

    def mode(self, name: str) -> str:
        return self.modes.get(name, "absent")

    def rows(self, name: str) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, row) for each record, streamed; the header is line 1."""
        with self.text(name) as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            line = reader.line_num
            for values in reader:
                start, line = line + 1, reader.line_num
                if not "".join(values).strip():
                    continue
                row = dict(zip(header, values, strict=False))
                if len(values) < len(header):
                    row.update(dict.fromkeys(header[len(values) :], ""))
                yield start, row

    def close(self):
        if self._zip is not None:
            self._zip.close()


def _check_utf8(stream) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    while chunk := stream.read(1 << 20):
        decoder.decode(chunk)
    decoder.decode(b"", final=True)


def open_bundle(path: str | Path) -> Bundle:
    """Open and check a bundle; raise Refused with one clear message if it is not OneRoster CSV."""
    path = Path(path)
    if not path.exists():
        raise Refused(_("There is no file or folder at %(path)s.") % {"path": path})
    if path.is_dir():
        bundle = Bundle(path=path)
    else:
        if not zipfile.is_zipfile(path):
            raise Refused(
                _("This file is not a ZIP archive. Upload the OneRoster bundle as a .zip file.")
            )
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise Refused(_("This ZIP archive is damaged and cannot be opened.")) from None
        bundle = Bundle(path=path, _zip=archive)
        bundle._prefix = _top_folder(archive)
    try:
        _read_manifest(bundle)
        _check_files(bundle)
    except Refused:
        bundle.close()
        raise
    return bundle


def _top_folder(archive: zipfile.ZipFile) -> str:
    """The one folder the OneRoster files are in ("export/"), when none is at the archive's top.

    Zipping a folder (Finder, Windows' "Send to", `zip -r`) puts every file under it; macOS adds
    a __MACOSX/ folder of resource forks beside it, which is not part of the bundle."""
    ours = set(REQUIRED) | {"manifest.csv"}
    names = {n for n in archive.namelist() if not n.startswith("__MACOSX/")}
    if any(n in ours for n in names):
        return ""
    folders = {n.split("/", 1)[0] + "/" for n in names if n.count("/") == 1}
    found = [f for f in folders if any(f + name in names for name in ours)]
    return found[0] if len(found) == 1 else ""


def _read_manifest(bundle: Bundle) -> None:
    names = bundle._names()
    if "manifest.csv" not in names:
        # OneRoster 1.0 had no manifest: every file present is a bulk file.
        bundle.version = "1.0"
        bundle.modes = {n: "bulk" for n in REQUIRED if n in names}
        if not bundle.modes:
            raise Refused(
                _(
                    "No OneRoster files found (manifest.csv, orgs.csv, users.csv …) at the top of the bundle."
                )
            )
        return
    try:
        with bundle._binary("manifest.csv") as raw:
            _check_utf8(raw)
        with bundle.text("manifest.csv") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError:
        raise Refused(_("manifest.csv is not UTF-8 text.")) from None
    if not rows or [c.strip() for c in rows[0][:2]] != ["propertyName", "value"]:
        raise Refused(_("manifest.csv must start with the header propertyName,value."))
    props = {r[0].strip(): r[1].strip() for r in rows[1:] if len(r) >= 2}
    bundle.version = props.get("oneroster.version", "1.0")
    bundle.source_system = props.get("source.systemName", "")
    for key, value in props.items():
        if not key.startswith("file."):
            continue
        name = key[5:] + ".csv"
        mode = value.lower()
        if mode not in MODES:
            raise Refused(
                _(
                    "manifest.csv gives %(file)s the mode “%(mode)s”; it must be absent, bulk or delta."
                )
                % {"file": name, "mode": value}
            )
        if name in REQUIRED:
            bundle.modes[name] = mode
        if mode != "absent" and name not in names:
            raise Refused(
                _("manifest.csv lists %(file)s as %(mode)s but the bundle has no such file.")
                % {"file": name, "mode": mode}
            )


def _check_files(bundle: Bundle) -> None:
    for name in REQUIRED:
        if not bundle.has(name):
            continue
        try:
            with bundle._binary(name) as raw:
                _check_utf8(raw)
        except UnicodeDecodeError:
            raise Refused(
                _("%(file)s is not UTF-8 text. Export the bundle again as UTF-8.") % {"file": name}
            ) from None
        with bundle.text(name) as fh:
            header = next(csv.reader(fh), [])
        header = [h.strip() for h in header]
        missing = [c for c in REQUIRED[name] if c not in header]
        if missing:
            raise Refused(
                _(
                    "%(file)s does not have the OneRoster columns %(cols)s (headers are case-sensitive)."
                )
                % {"file": name, "cols": ", ".join(missing)}
            )
        bundle.headers[name] = header
    if (
        bundle.mode("users.csv") == "bulk"
        and "role" not in bundle.headers["users.csv"]
        and not bundle.has("roles.csv")
    ):
        raise Refused(
            _("users.csv has no role column and the bundle has no roles.csv: roles are needed.")
        )
    if not any(bundle.has(n) for n in REQUIRED):
        raise Refused(_("The manifest lists no file Liaison reads (orgs, users, enrollments …)."))
