"""Reading HSDS 3.0 (the CSV data package, a zip of it, or the JSON form) into the directory.

Every row is checked on its own; a row that cannot be kept is reported precisely (file, row, field,
value, reason) and the rest imports. Records are matched by their HSDS id: a re-import updates the
HSDS fields and leaves Liaison's curation fields (notes, time zone, feedback) alone.
"""

import contextlib
import csv
import datetime as dt
import io
import json
import uuid
import zipfile
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from liaison.resources.hsds import BY_FILE, BY_NAME, TABLES

ERROR = "error"  # the row was not imported
WARNING = "warning"  # the row was imported without this value


@dataclass
class Problem:
    file: str
    row: str
    field: str
    value: str
    reason: str
    severity: str = ERROR

    def __str__(self):
        kept = "row skipped" if self.severity == ERROR else "value left out"
        return f"{self.file} row {self.row}, {self.field}={self.value!r}: {self.reason} ({kept})"


@dataclass
class Report:
    counts: dict = field(default_factory=dict)  # table -> {"created": n, "updated": n}
    problems: list = field(default_factory=list)
    skipped_files: list = field(default_factory=list)
    service_ids: set = field(default_factory=set)

    @property
    def errors(self):
        return [p for p in self.problems if p.severity == ERROR]

    def summary(self) -> str:
        parts = [
            f"{table}: {c['created']} new, {c['updated']} updated"
            for table, c in self.counts.items()
            if c["created"] or c["updated"]
        ]
        return "; ".join(parts) or "nothing imported"


@dataclass
class RawRow:
    table: str
    file: str
    label: str  # CSV row number (the header is row 1) or JSON path
    values: dict


class Rejected(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# --- reading sources ---------------------------------------------------------------------------


class NotUtf8(ValueError):
    """A file of the package is not UTF-8 text (most often a spreadsheet saved in its own encoding)."""

    def __init__(self, name: str, data: bytes, exc: UnicodeDecodeError):
        self.name = name
        self.line = data[: exc.start].count(b"\n") + 1
        super().__init__(
            f"{name} is not UTF-8 text (the first bad byte is on line {self.line}); "
            "save it as UTF-8 and import it again"
        )


def read_source(path) -> tuple[list[RawRow], list[str], list[Problem]]:
    """Rows from a data package folder, a zip of one, or a JSON file; and a problem for each
    file of a package that could not be read (its rows are left out, the other files import)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"there is no file or folder at {path}")
    if path.is_dir():
        files = {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
        return _csv_rows(files)
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as z:
                files = {Path(n).name: z.read(n) for n in z.namelist() if not n.endswith("/")}
        except zipfile.BadZipFile:
            raise ValueError(f"{path.name} is not a ZIP archive, or a damaged one") from None
        return _csv_rows(files)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(path.name, data, exc) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # Most often a lone CSV file of a package: the package is read whole, as a folder or zip.
        raise ValueError(
            f"{path.name} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "give a data package folder, a .zip of one, or a .json file"
        ) from None
    return (*json_rows(document, path.name), [])


def _csv_rows(files: dict[str, bytes]) -> tuple[list[RawRow], list[str], list[Problem]]:
    rows, skipped, unreadable = [], [], []
    for name in sorted(files):
        if not name.endswith(".csv"):
            continue
        table = BY_FILE.get(name)
        if table is None:
            skipped.append(name)
            continue
        try:
            text = files[name].decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            error = NotUtf8(name, files[name], exc)
            unreadable.append(Problem(name, str(error.line), "", "", str(error)))
            continue
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for number, record in enumerate(reader, start=2):
            values = {k.strip(): (v or "") for k, v in record.items() if k}
            rows.append(RawRow(table.name, name, str(number), values))
    return rows, skipped, unreadable


# Where nested JSON objects go: key -> (table, column on the child naming the parent) or, with
# "up", the column on the parent naming the child.
NESTED = {
    "organization": {
        "services": ("service", "organization_id"),
        "locations": ("location", "organization_id"),
        "phones": ("phone", "organization_id"),
    },
    "service": {
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "languages": ("language", "service_id"),
        "cost_options": ("cost_option", "service_id"),
        "organization": ("organization", "up:organization_id"),
    },
    "service_at_location": {
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
        "location": ("location", "up:location_id"),
        "service": ("service", "up:service_id"),
    },
    "location": {
        "languages": ("language", "location_id"),
        "addresses": ("address", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
    },
    "phone": {"languages": ("language", "phone_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "up:taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "up:taxonomy_id")},
}
ENVELOPE = {
    "contents": None,
    "organizations": "organization",
    "services": "service",
    "taxonomy_terms": "taxonomy_term",
    "taxonomies": "taxonomy",
    "locations": "location",
}


def _guess_table(obj: dict) -> str:
    if "status" in obj or "service_at_locations" in obj:
        return "service"
    if "service" in obj and ("location" in obj or "location_id" in obj):
        return "service_at_location"
    if "location_type" in obj:
        return "location"
    if "taxonomy_detail" in obj or "term_uri" in obj or "parent_id" in obj:
        return "taxonomy_term"
    return "organization"


def json_rows(data, filename: str) -> tuple[list[RawRow], list[str]]:
    """Flatten the nested JSON form into rows per table; one record met twice is merged."""
    merged: dict[tuple[str, str], RawRow] = {}
    order: list[tuple[str, str]] = []
    ignored: set[str] = set()

    def visit(obj, table: str, path: str, context: dict):
        if not isinstance(obj, dict):
            return None
        spec = BY_NAME[table]
        values = {
            k: v for k, v in obj.items() if k in spec.columns and not isinstance(v, dict | list)
        }
        for column, value in context.items():
            if values.get(column) in (None, ""):
                values[column] = value
        if table == "attribute" and context.get("_entity") and not values.get("link_entity"):
            values["link_entity"] = context["_entity"]
        values.pop("_entity", None)
        own_id = str(obj.get("id") or "")
        for key, child in obj.items():
            if key == "attributes" and isinstance(child, list):
                for i, item in enumerate(child):
                    visit(
                        item,
                        "attribute",
                        f"{path}.attributes[{i}]",
                        {"link_id": own_id, "_entity": table},
                    )
                continue
            target = NESTED.get(table, {}).get(key)
            if target is None:
                if isinstance(child, dict | list):
                    ignored.add(key)
                continue
            child_table, link = target
            if link.startswith("up:"):
                child_id = visit(child, child_table, f"{path}.{key}", {})
                if child_id and values.get(link[3:]) in (None, ""):
                    values[link[3:]] = child_id
            else:
                for i, item in enumerate(child if isinstance(child, list) else [child]):
                    visit(item, child_table, f"{path}.{key}[{i}]", {link: own_id})
        key = (table, own_id or path)
        if key in merged:
            existing = merged[key].values
            for column, value in values.items():
                if existing.get(column) in (None, ""):
                    existing[column] = value
        else:
            merged[key] = RawRow(table, filename, path, values)
            order.append(key)
        return own_id

    def top(obj, path):
        if isinstance(obj, list):
            for i, item in enumerate(obj):
                top(item, f"{path}[{i}]")
            return
        if not isinstance(obj, dict):
            return
        # A page or a whole-directory document; a record (it has an id) is never an envelope.
        envelope = [k for k in ENVELOPE if isinstance(obj.get(k), list) and "id" not in obj]
        if envelope:
            for key in envelope:
                for i, item in enumerate(obj[key]):
                    table = ENVELOPE[key] or _guess_table(item)
                    visit(item, table, f"{path}.{key}[{i}]" if path else f"{key}[{i}]", {})
            return
        visit(obj, _guess_table(obj), path or "$", {})

    top(data, "")
    rows = [merged[k] for k in order]
    return rows, sorted(f"{filename}: {k}" for k in ignored)


# --- checking values -----------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# A day or a time of day: Django's parser for it, and what a curator is told when it cannot read one.
_DAYS_AND_TIMES = (
    (models.DateField, parse_date, "not a date (YYYY-MM-DD)"),
    (models.TimeField, parse_time, "not a time (HH:MM or HH:MM:SS)"),
)


def _parse(model_field, value):
    """The Python value of one cell, or Rejected with a reason a curator understands."""
    if isinstance(value, str) and "\x00" in value:
        raise Rejected("contains a NUL character, which is not text")
    if isinstance(value, str):
        value = value.strip() if not isinstance(model_field, models.TextField) else value
    if value in (None, ""):
        if isinstance(model_field, models.CharField | models.TextField):
            return ""
        return None
    if isinstance(model_field, models.UUIDField | models.ForeignKey):
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise Rejected("not a UUID") from None
    if isinstance(model_field, models.DateTimeField):
        parsed = parse_datetime(str(value).replace("Z", "+00:00"))
        if parsed is None:
            raise Rejected("not a date and time (YYYY-MM-DDTHH:MM:SSZ)")
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, dt.UTC)
        return parsed
    for field_class, parse, reason in _DAYS_AND_TIMES:
        if isinstance(model_field, field_class):
            try:
                parsed = parse(str(value))
            except ValueError:  # well formed but impossible, e.g. 2024-02-30
                parsed = None
            if parsed is None:
                raise Rejected(reason)
            return parsed
    if isinstance(model_field, models.FloatField):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise Rejected("not a number") from None
    if isinstance(model_field, models.DecimalField):
        try:
            return Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise Rejected("not an amount") from None
    if isinstance(model_field, models.IntegerField):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise Rejected("not a whole number") from None
        if not number.is_integer():
            raise Rejected("not a whole number")
        if number < 0 and isinstance(model_field, models.PositiveIntegerRelDbTypeMixin):
            raise Rejected("cannot be negative")
        return int(number)
    text = _text(value)
    if model_field.choices and text not in {c[0] for c in model_field.choices}:
        allowed = ", ".join(c[0] for c in model_field.choices if c[0])
        raise Rejected(f"must be one of: {allowed}")
    if model_field.max_length and len(text) > model_field.max_length:
        raise Rejected(f"longer than {model_field.max_length} characters")
    return text


def _model_field(model, attname):
    for f in model._meta.concrete_fields:
        if f.attname == attname or f.name == attname:
            return f
    raise LookupError(attname)


# --- the import ------------------------------------------------------------------------------------


def import_rows(rows: list[RawRow], *, skipped_files=(), problems=(), source="", by=None) -> Report:
    from liaison.resources import search
    from liaison.resources.models import HsdsImport

    report = Report(skipped_files=list(skipped_files), problems=list(problems))
    parsed: dict[str, dict] = {t.name: {} for t in TABLES}
    origin: dict[tuple[str, uuid.UUID], RawRow] = {}
    failed: dict[str, set] = {t.name: set() for t in TABLES}  # ids of rows rejected on their own

    def problem(raw, column, value, reason, severity=ERROR):
        shown = _text(value).replace("\x00", "\ufffd")  # as it came, never the byte itself
        report.problems.append(Problem(raw.file, raw.label, column, shown, reason, severity))

    # 1. Each row on its own: ids, types, required values, coordinates.
    for raw in rows:
        spec = BY_NAME[raw.table]
        model = spec.model
        values, ok = {}, True
        for column in spec.columns:
            if column not in raw.values:
                continue
            attname = spec.attname(column)
            model_field = _model_field(model, attname)
            try:
                values[model_field.attname] = _parse(model_field, raw.values[column])
            except Rejected as exc:
                if (column in spec.refs and not spec.refs[column][1]) or column in (
                    "latitude",
                    "longitude",
                ):
                    problem(raw, column, raw.values[column], exc.reason, WARNING)
                    values[model_field.attname] = None
                else:
                    problem(raw, column, raw.values[column], exc.reason)
                    ok = False
        if not ok:
            with contextlib.suppress(ValueError):
                failed[raw.table].add(uuid.UUID(str(raw.values.get("id", "")).strip()))
            continue
        if values.get("id") is None:
            problem(raw, "id", raw.values.get("id"), "every HSDS record needs an id")
            continue
        for model_field in model._meta.concrete_fields:
            column = next((c for c in spec.columns if model_field.attname == spec.attname(c)), None)
            if column is None or model_field.blank or model_field.null or model_field.primary_key:
                continue
            if column in spec.refs:
                continue
            if values.get(model_field.attname) in (None, "") and not model_field.has_default():
                problem(raw, column, "", "required")
                ok = False
        if not ok:
            continue
        if raw.table == "location":
            ok = _check_coordinates(raw, values, problem)
        if raw.table == "service":
            lo, hi = values.get("minimum_age"), values.get("maximum_age")
            if lo is not None and hi is not None and lo > hi:
                problem(raw, "maximum_age", hi, f"below the minimum age {lo}", WARNING)
                values["maximum_age"] = None
        key = (raw.table, values["id"])
        if key in origin:
            problem(
                raw, "id", values["id"], f"the same id already appears in row {origin[key].label}"
            )
            continue
        origin[key] = raw
        parsed[raw.table][values["id"]] = values

    # 2. References, in dependency order: a row pointing at nothing is reported and left out.
    known = {
        t.name: set(t.model.objects.values_list("id", flat=True)) | set(parsed[t.name])
        for t in TABLES
    }
    rejected: dict[str, set] = {t.name: set(failed[t.name]) for t in TABLES}
    for spec in TABLES:
        for record_id, values in list(parsed[spec.name].items()):
            raw = origin[(spec.name, record_id)]
            for column, (target, required) in spec.refs.items():
                attname = _model_field(spec.model, spec.attname(column)).attname
                ref = values.get(attname)
                if ref is None:
                    if required and column in raw.values:
                        problem(raw, column, "", "required")
                        parsed[spec.name].pop(record_id)
                        rejected[spec.name].add(record_id)
                        break
                    continue
                if ref in known[target] and ref not in rejected[target]:
                    continue
                what = (
                    "unknown taxonomy"
                    if target in ("taxonomy", "taxonomy_term")
                    else "broken reference"
                )
                reason = f"{what}: no {target.replace('_', ' ')} with this id"
                if ref in rejected[target]:
                    reason = f"{what}: the {target.replace('_', ' ')} it refers to was not imported"
                if required or ref in rejected[target]:  # children of a rejected row go too
                    problem(raw, column, ref, reason)
                    parsed[spec.name].pop(record_id)
                    rejected[spec.name].add(record_id)
                    break
                problem(raw, column, ref, reason, WARNING)
                values[attname] = None
            else:
                if spec.name == "attribute":
                    _check_link(raw, values, known, rejected, parsed, problem)
                if spec.name == "service" and values.get("organization_id") is None:
                    problem(
                        raw,
                        "organization_id",
                        "",
                        "required: every service belongs to an organization",
                    )
                    parsed[spec.name].pop(record_id)
                    rejected[spec.name].add(record_id)

    # 3. Write, in one transaction: create new ids, update known ones (HSDS fields only).
    with transaction.atomic():
        for spec in TABLES:
            _write(spec, parsed[spec.name], report)
        report.service_ids = set(parsed["service"])
        report.service_ids |= _services_touched(parsed)
        _derive_cost(report.service_ids)
        log = HsdsImport.objects.create(
            source=str(source)[:300],
            by=by,
            counts=report.counts,
            problems=[asdict(p) for p in report.problems],
            finished_at=timezone.now(),
        )
    search.reindex_services(report.service_ids)
    report.log_id = log.pk
    return report


def _check_coordinates(raw, values, problem) -> bool:
    lat, lon = values.get("latitude"), values.get("longitude")
    bad = None
    if lat is not None and not -90 <= lat <= 90:
        bad = ("latitude", lat, "bad coordinates: latitude must be between -90 and 90")
    elif lon is not None and not -180 <= lon <= 180:
        bad = ("longitude", lon, "bad coordinates: longitude must be between -180 and 180")
    elif (lat is None) != (lon is None):
        column = "longitude" if lon is None else "latitude"
        bad = (column, "", "bad coordinates: latitude and longitude come together")
    if bad:
        problem(raw, bad[0], bad[1], bad[2], WARNING)
        values["latitude"] = values["longitude"] = None
    return True


def _check_link(raw, values, known, rejected, parsed, problem):
    entity = values.get("link_entity") or ""
    link = values.get("link_id")
    if link is None:
        problem(raw, "link_id", "", "required")
        parsed["attribute"].pop(values["id"])
        return
    tables = [entity] if entity in known else list(known)
    if not any(link in known[t] and link not in rejected[t] for t in tables):
        if any(link in rejected[t] for t in tables):
            reason = "broken reference: the record it refers to was not imported"
        else:
            where = f"no {entity.replace('_', ' ')}" if entity in known else "no record"
            reason = f"broken reference: {where} with this id"
        problem(raw, "link_id", link, reason)
        parsed["attribute"].pop(values["id"])
        return
    if entity not in known:
        values["link_entity"] = next(t for t in known if link in known[t])


def _write(spec, records: dict, report: Report) -> None:
    model = spec.model
    counts = report.counts.setdefault(spec.name, {"created": 0, "updated": 0})
    if not records:
        return
    existing = set(model.objects.filter(id__in=list(records)).values_list("id", flat=True))
    self_refs = [
        _model_field(model, spec.attname(c)).attname
        for c, (target, _) in spec.refs.items()
        if target == spec.name
    ]
    hsds_fields = [_model_field(model, spec.attname(c)).attname for c in spec.columns if c != "id"]
    new, changed = [], []
    for record_id, values in records.items():
        data = dict(values)
        for attname in self_refs:  # set after every row of the table exists
            data.pop(attname, None)
        if record_id in existing:
            changed.append(model(**data))
        else:
            new.append(model(**data))
    now = timezone.now()
    for obj in new + changed:
        if hasattr(obj, "updated_at"):
            obj.updated_at = now
    model.objects.bulk_create(new, batch_size=1000)
    if changed:
        update = [f for f in hsds_fields if f not in self_refs]
        current = {
            row["id"]: row
            for row in model.objects.filter(pk__in=[o.pk for o in changed]).values("id", *update)
        }
        for obj in changed:
            for attname in update:  # a column the source did not carry keeps its value
                if attname not in records[obj.pk]:
                    setattr(obj, attname, current[obj.pk][attname])
        stamp = ["updated_at"] if any(f.name == "updated_at" for f in model._meta.fields) else []
        model.objects.bulk_update(changed, update + stamp, batch_size=500)
    if self_refs:
        linked = [
            model(id=record_id, **{a: values.get(a) for a in self_refs})
            for record_id, values in records.items()
            if any(a in values for a in self_refs)
        ]
        model.objects.bulk_update(linked, self_refs, batch_size=500)
    counts["created"] += len(new)
    counts["updated"] += len(changed)


def _services_touched(parsed) -> set:
    """Services whose listing changes because a location, phone, schedule ... of theirs was imported."""
    from liaison.resources.models import ServiceAtLocation

    ids = set()
    for table in ("phone", "schedule", "language", "cost_option", "service_area"):
        ids |= {v.get("service_id") for v in parsed[table].values()}
    ids |= {v.get("service_id") for v in parsed["service_at_location"].values()}
    location_ids = {
        v.get("location_id")
        for t in ("address", "phone", "schedule", "language")
        for v in parsed[t].values()
    }
    location_ids |= set(parsed["location"])
    location_ids.discard(None)
    if location_ids:
        ids |= set(
            ServiceAtLocation.objects.filter(location_id__in=location_ids).values_list(
                "service_id", flat=True
            )
        )
    ids |= {v["link_id"] for v in parsed["attribute"].values() if v.get("link_entity") == "service"}
    ids.discard(None)
    return ids


def _derive_cost(service_ids) -> None:
    """Free or fee, from the cost options and the fees text; curators may change it afterwards."""
    from liaison.resources.choices import Cost
    from liaison.resources.models import CostOption, Service

    if not service_ids:
        return
    amounts: dict = {}
    for service_id, amount in CostOption.objects.filter(service_id__in=service_ids).values_list(
        "service_id", "amount"
    ):
        amounts.setdefault(service_id, []).append(amount)
    free_words = ("free", "no cost", "no charge", "gratis", "sin costo")
    changed = []
    for service in Service.objects.filter(id__in=service_ids).only(
        "id", "fees_description", "cost"
    ):
        cost = ""
        if service.id in amounts:
            cost = Cost.FEE if any(a and a > 0 for a in amounts[service.id]) else Cost.FREE
        elif any(w in (service.fees_description or "").lower() for w in free_words):
            cost = Cost.FREE
        if cost and cost != service.cost:
            service.cost = cost
            changed.append(service)
    Service.objects.bulk_update(changed, ["cost"], batch_size=500)


def import_path(path, *, by=None) -> Report:
    rows, skipped, unreadable = read_source(path)
    return import_rows(rows, skipped_files=skipped, problems=unreadable, source=str(path), by=by)
