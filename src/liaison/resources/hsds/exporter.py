"""Writing the directory as HSDS 3.0: the CSV data package (a folder or a zip) and the JSON form
(organizations fully nested, as in the specification's organization_full example)."""

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from liaison.resources.hsds import BY_NAME, TABLES
from liaison.resources.hsds.importer import _model_field

# Field types in the data package descriptor, by HSDS column.
_TYPES = {
    "FloatField": "number",
    "DecimalField": "number",
    "IntegerField": "number",
    "PositiveSmallIntegerField": "number",
    "DateField": "date",
    "TimeField": "time",
    "DateTimeField": "datetime",
}


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def json_value(value):
    if value is None or value == "":
        return None
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return cell(value)
    return value


def table_rows(spec):
    """(columns, rows as lists of raw values) of one HSDS table, in a stable order."""
    model = spec.model
    attnames = [_model_field(model, spec.attname(c)).attname for c in spec.columns]
    return spec.columns, model.objects.order_by("id").values_list(*attnames).iterator(2000)


def csv_files() -> dict[str, str]:
    files = {}
    for spec in TABLES:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        columns, rows = table_rows(spec)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(v) for v in row])
        files[spec.file] = out.getvalue()
    files["datapackage.json"] = json.dumps(datapackage(), indent=2)
    return files


def datapackage() -> dict:
    resources = []
    for spec in TABLES:
        fields = []
        for column in spec.columns:
            model_field = _model_field(spec.model, spec.attname(column))
            kind = _TYPES.get(type(model_field).__name__, "string")
            entry = {"name": column, "type": kind}
            if column == "id" or column.endswith("_id"):
                entry["format"] = "uuid"
            fields.append(entry)
        resources.append(
            {
                "name": spec.name,
                "path": spec.file,
                "format": "csv",
                "mediatype": "text/csv",
                "profile": "tabular-data-resource",
                "schema": {"fields": fields, "primaryKey": "id"},
            }
        )
    return {
        "name": "human_services_data",
        "title": "Human Services Data Specification",
        "profile": "tabular-data-package",
        "version": "3.0.0",
        "resources": resources,
    }


def write_csv(target) -> Path:
    """A folder, or a zip when `target` ends in .zip."""
    target = Path(target)
    files = csv_files()
    if target.suffix.lower() == ".zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in files.items():
                z.writestr(name, text)
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8", newline="")
    return target


# --- JSON ------------------------------------------------------------------------------------


class _Rows:
    """Every table read once, as dicts keyed by HSDS column, grouped by the columns that nest them."""

    def __init__(self):
        self.by_table = {}
        for spec in TABLES:
            columns, rows = table_rows(spec)
            self.by_table[spec.name] = [dict(zip(columns, row, strict=True)) for row in rows]
        self.attributes = {}
        for row in self.by_table["attribute"]:
            self.attributes.setdefault(row["link_id"], []).append(row)
        self.terms = {row["id"]: row for row in self.by_table["taxonomy_term"]}
        self.taxonomies = {row["id"]: row for row in self.by_table["taxonomy"]}

    def group(self, table, column):
        out = {}
        for row in self.by_table[table]:
            out.setdefault(row[column], []).append(row)
        return out


def _clean(row: dict) -> dict:
    return {k: json_value(v) for k, v in row.items() if json_value(v) is not None}


def json_document() -> dict:
    """The whole directory: a page of fully nested organizations, plus every taxonomy term."""
    rows = _Rows()
    services_by_org = rows.group("service", "organization_id")
    locations_by_org = rows.group("location", "organization_id")
    sal_by_service = rows.group("service_at_location", "service_id")
    addresses = rows.group("address", "location_id")
    areas = rows.group("service_area", "service_id")
    costs = rows.group("cost_option", "service_id")
    phone_langs = rows.group("language", "phone_id")
    # Each phone, schedule and language is written once, under its most specific owner, and keeps
    # every *_id column so a reader can link it to the others.
    phones: dict = {}
    for phone in rows.by_table["phone"]:
        owner = next(
            phone[c]
            for c in (
                "service_at_location_id",
                "service_id",
                "location_id",
                "organization_id",
                "id",
            )
            if phone[c]
        )
        phones.setdefault(owner, []).append(phone)
    schedules: dict = {}
    for row in rows.by_table["schedule"]:
        owner = next(
            row[c] for c in ("service_at_location_id", "service_id", "location_id", "id") if row[c]
        )
        schedules.setdefault(owner, []).append(row)
    languages: dict = {}
    for row in rows.by_table["language"]:
        if row["phone_id"]:
            continue
        owner = next(row[c] for c in ("service_id", "location_id", "id") if row[c])
        languages.setdefault(owner, []).append(row)

    def term(row):
        out = _clean(row)
        if row["taxonomy_id"] in rows.taxonomies:
            out["taxonomy_detail"] = _clean(rows.taxonomies[row["taxonomy_id"]])
        return out

    def with_attributes(out, record_id):
        attrs = rows.attributes.get(record_id)
        if attrs:
            out["attributes"] = [
                {**_clean(a), "taxonomy_term": term(rows.terms[a["taxonomy_term_id"]])}
                for a in attrs
            ]
        return out

    def phone(row):
        out = _clean(row)
        if row["id"] in phone_langs:
            out["languages"] = [with_attributes(_clean(x), x["id"]) for x in phone_langs[row["id"]]]
        return with_attributes(out, row["id"])

    def nest(out, record_id, **lists):
        for key, items in lists.items():
            if items:
                out[key] = items
        return with_attributes(out, record_id)

    def location(row):
        rid = row["id"]
        return nest(
            _clean(row),
            rid,
            languages=[with_attributes(_clean(x), x["id"]) for x in languages.get(rid, [])],
            addresses=[with_attributes(_clean(x), x["id"]) for x in addresses.get(rid, [])],
            phones=[phone(x) for x in phones.get(rid, [])],
            schedules=[with_attributes(_clean(x), x["id"]) for x in schedules.get(rid, [])],
        )

    def service(row):
        rid = row["id"]
        return nest(
            _clean(row),
            rid,
            phones=[phone(x) for x in phones.get(rid, [])],
            schedules=[with_attributes(_clean(x), x["id"]) for x in schedules.get(rid, [])],
            service_areas=[with_attributes(_clean(x), x["id"]) for x in areas.get(rid, [])],
            service_at_locations=[
                nest(
                    _clean(sal),
                    sal["id"],
                    phones=[phone(x) for x in phones.get(sal["id"], [])],
                    schedules=[
                        with_attributes(_clean(x), x["id"]) for x in schedules.get(sal["id"], [])
                    ],
                )
                for sal in sal_by_service.get(rid, [])
            ],
            languages=[with_attributes(_clean(x), x["id"]) for x in languages.get(rid, [])],
            cost_options=[with_attributes(_clean(x), x["id"]) for x in costs.get(rid, [])],
        )

    organizations = []
    for row in rows.by_table["organization"]:
        rid = row["id"]
        organizations.append(
            nest(
                _clean(row),
                rid,
                phones=[phone(x) for x in phones.get(rid, [])],
                locations=[location(x) for x in locations_by_org.get(rid, [])],
                services=[service(x) for x in services_by_org.get(rid, [])],
            )
        )
    unlinked = [location(x) for x in locations_by_org.get(None, [])]
    document = {
        "total_items": len(organizations),
        "total_pages": 1,
        "page_number": 1,
        "size": len(organizations),
        "first_page": True,
        "last_page": True,
        "empty": not organizations,
        "contents": organizations,
        "taxonomy_terms": [term(t) for t in rows.by_table["taxonomy_term"]],
    }
    if unlinked:
        document["locations"] = unlinked
    return document


def write_json(target) -> Path:
    target = Path(target)
    target.write_text(json.dumps(json_document(), indent=1, ensure_ascii=False), encoding="utf-8")
    return target


__all__ = ["BY_NAME", "csv_files", "json_document", "write_csv", "write_json"]
