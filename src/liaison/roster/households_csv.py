"""The simple households CSV import, for community organisations and early-childhood centres without a SIS.

One row per person; `household_id` groups people into a household and `person_id` keys the person
across imports (as sourcedId does in OneRoster). The file is complete: people of the district
imported this way who are missing from it are deactivated. Same rules as the OneRoster import: a
row is rejected (file, line, column, value, reason) only when its identity or a required field is
unusable; a malformed optional field (phone, email, language, birth date, grade, site) is left out
with a warning and the rest of the row applied; re-importing changes nothing.
"""

import csv
import io
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from liaison.core.validators import strip_bidi_controls
from liaison.people.choices import Grade, Relationship
from liaison.people.models import (
    District,
    Enrolment,
    Guardian,
    GuardianStudent,
    Household,
    Site,
    Student,
)
from liaison.roster.bundle import Refused, _check_utf8
from liaison.roster.choices import Severity
from liaison.roster.mapping import load as load_mapping
from liaison.roster.oneroster import (
    DROPPED,
    DROPPED_FIELD,
    DROPPED_LINK,
    SOURCED_ID_MAX,
    Issue,
    OneRosterImport,
    RowError,
    check_text,
    clean_email,
    clean_phone,
    optional,
    parse_date,
)

TEMPLATE_HEADER = [
    "household_id",
    "household_name",
    "person_id",
    "role",
    "given_name",
    "family_name",
    "relationship",
    "preferred_language",
    "phone",
    "email",
    "date_of_birth",
    "grade",
    "site",
    "street",
    "unit",
    "city",
    "state",
    "postal_code",
]
REQUIRED = ["household_id", "person_id", "role", "given_name", "family_name"]
# Ids are stored behind the prefix csv:<district slug>: (at most 55 characters) in columns of
# SOURCED_ID_MAX characters.
ID_MAX = min(100, SOURCED_ID_MAX - 55)
TEMPLATE_ROWS = [
    [
        "H1",
        "Garcia household",
        "P1",
        "guardian",
        "Rosa",
        "Garcia",
        "mother",
        "Spanish",
        "617-555-0101",
        "rosa@example.org",
        "",
        "",
        "",
        "12 Elm St",
        "",
        "Springfield",
        "MA",
        "01101",
    ],
    [
        "H1",
        "Garcia household",
        "P2",
        "student",
        "Maya",
        "Garcia",
        "",
        "",
        "",
        "",
        "2021-04-02",
        "PK",
        "Little Oaks Centre",
        "",
        "",
        "",
        "",
        "",
    ],
]
# Optional fields whose own check refuses a NUL character: such a field is dropped, not the row.
OPTIONAL = frozenset({"phone", "email", "date_of_birth", "grade", "site"})


class HouseholdsImport(OneRosterImport):
    def __init__(self, *, path, district: District | None, by, progress=None, file_name=""):
        self.path = Path(path)
        # Rows are named by the file the district sent (an upload is kept under another name).
        self.file_name = file_name or self.path.name
        if district is None:
            raise Refused(_("Choose the district (--district) the households belong to."))
        super().__init__(
            bundle=None, mapping=load_mapping(), by=by, district=district, progress=progress
        )

    def run(self):
        try:
            with self.path.open("rb") as raw:
                _check_utf8(raw)
        except FileNotFoundError:
            raise Refused(_("There is no file at %(path)s.") % {"path": self.path}) from None
        except IsADirectoryError:
            raise Refused(
                _("%(path)s is a folder: give the households CSV file itself.")
                % {"path": self.path}
            ) from None
        except UnicodeDecodeError:
            raise Refused(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from None
        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise Refused(
                    _(
                        "This is not a households CSV: the columns %(cols)s are missing (see the template)."
                    )
                    % {"cols": ", ".join(missing)}
                )
            rows = []
            line = reader.line_num
            for values in reader:
                start, line = line + 1, reader.line_num
                if any(v.strip() for v in values):
                    rows.append((start, dict(zip(header, values, strict=False))))
        self.progress("reading", 10)
        with transaction.atomic():
            self.apply(rows)
        self.progress("done", 100)
        return self.out

    def check(self, line, row, sites, seen):
        get = lambda k: (row.get(k) or "").strip()  # noqa: E731
        # Names are stored without bidi controls (core/validators.py), as the models store them.
        name = lambda k: strip_bidi_controls(row.get(k) or "").strip()  # noqa: E731
        check_text(row, OPTIONAL)
        for col in REQUIRED:
            if not get(col):
                raise RowError(col, "", _("this column is required"))
        for col in ("household_id", "person_id"):
            if len(get(col)) > ID_MAX:
                raise RowError(col, get(col), f"longer than {ID_MAX} characters")
        pid = get("person_id")
        if pid in seen:
            raise RowError("person_id", pid, "duplicate person_id (already on an earlier line)")
        role = get("role").lower()
        if role not in ("guardian", "student"):
            raise RowError("role", get("role"), "role must be guardian or student")
        rec = {
            "line": line,
            "role": role,
            "household": get("household_id"),
            "household_name": name("household_name"),
            "given": name("given_name")[:100],
            "family": name("family_name")[:100],
            "address": {
                k: get(c)
                for k, c in (
                    ("street", "street"),
                    ("unit", "unit"),
                    ("city", "city"),
                    ("region", "state"),
                    ("postal_code", "postal_code"),
                )
            },
        }
        # A malformed optional field is left out (the stored value stays) with a warning. The
        # relationship is not optional when given: guessing it would change who is a parent.
        warnings = rec["warnings"] = []
        if role == "guardian":
            rel = get("relationship").lower().replace(" ", "_") or Relationship.PARENT
            if rel not in Relationship.values:
                raise RowError("relationship", get("relationship"), "unknown relationship")
            rec["relationship"] = rel
            rec["phone"] = optional(clean_phone, get("phone"), "phone", warnings)
            rec["email"] = optional(clean_email, get("email"), "email", warnings)
            lang = get("preferred_language")
            if lang:
                tag = self.mapping.language(lang)
                if tag is None:
                    warnings.append(
                        ("preferred_language", lang, "unknown language" + DROPPED_FIELD)
                    )
                else:
                    rec["language"] = tag
        else:
            rec["born"] = optional(parse_date, get("date_of_birth"), "date_of_birth", warnings)
            grade = get("grade").upper() if get("grade") not in Grade.values else get("grade")
            if grade and grade not in Grade.values:
                warnings.append(("grade", get("grade"), "unknown grade code" + DROPPED_FIELD))
                grade = DROPPED
            rec["grade"] = grade
            site = get("site")
            if site:
                site_id = sites.get(site) or sites.get(site.lower())
                if site_id is None:
                    warnings.append(("site", site, "unknown site" + DROPPED_LINK))
                else:
                    rec["site_id"] = site_id
        return pid, rec

    def apply(self, rows):
        district = self.district
        prefix = f"csv:{district.slug}:"
        sites = {}
        for pk, name, sid in Site.objects.filter(district=district).values_list(
            "pk", "name", "sourced_id"
        ):
            sites[name.lower()] = pk
            if sid:
                sites[sid] = pk
        people = {}
        seen = set()
        for line, row in rows:
            try:
                pid, rec = self.check(line, row, sites, seen)
            except RowError as e:
                self.out.issues.append(_issue(self.file_name, line, e))
                seen.add((row.get("person_id") or "").strip())
                continue
            seen.add(pid)
            people[prefix + pid] = rec
            for column, value, reason in rec.pop("warnings"):
                self.out.issues.append(
                    _issue(self.file_name, line, RowError(column, value, reason), Severity.WARNING)
                )
        self.progress("households", 40)
        # households by key; one arranged by hand is left as it is
        keys = {f"{prefix}{r['household']}" for r in people.values()}
        existing = dict(
            Household.objects.filter(district=district, source_key__in=keys).values_list(
                "source_key", "pk"
            )
        )
        new = []
        for key in sorted(keys - set(existing)):
            members = [r for r in people.values() if f"{prefix}{r['household']}" == key]
            lead = next((r for r in members if r["role"] == "guardian"), members[0])
            a = lead["address"]
            langs = [r["language"] for r in members if r.get("language")]
            new.append(
                self.stamp_new(
                    Household(
                        district=district,
                        source_key=key,
                        name=(
                            next((r["household_name"] for r in members if r["household_name"]), "")
                            or f"{lead['family']} household"
                        )[:200],
                        home_languages=list(dict.fromkeys(langs)),
                        street=a["street"][:200],
                        unit=a["unit"][:50],
                        city=a["city"][:100],
                        region=a["region"][:50],
                        postal_code=a["postal_code"][:20],
                        site_id=next((r["site_id"] for r in members if r.get("site_id")), None),
                    )
                )
            )
        Household.objects.bulk_create(new)
        self.out.counts["household"]["created"] += len(new)
        existing.update(
            dict(
                Household.objects.filter(district=district, source_key__in=keys).values_list(
                    "source_key", "pk"
                )
            )
        )
        pinned = dict(
            Guardian.objects.filter(
                sourced_id__in=list(people), household__arranged_by_hand=True
            ).values_list("sourced_id", "household_id")
        )
        pinned.update(
            Student.objects.filter(
                sourced_id__in=list(people), household__arranged_by_hand=True
            ).values_list("sourced_id", "household_id")
        )

        def hid(sid, r):
            return pinned.get(sid) or existing[f"{prefix}{r['household']}"]

        guardians = {s: r for s, r in people.items() if r["role"] == "guardian"}
        students = {s: r for s, r in people.items() if r["role"] == "student"}
        g_ids = self.upsert(
            Guardian,
            "guardian",
            {
                s: {
                    "household_id": hid(s, r),
                    "given_name": r["given"],
                    "family_name": r["family"],
                    "relationship": r["relationship"],
                    **{f: r[f] for f in ("phone", "email") if r[f] is not DROPPED},
                    "is_active": True,
                    **({"preferred_language": r["language"]} if "language" in r else {}),
                }
                for s, r in guardians.items()
            },
            [
                "household_id",
                "given_name",
                "family_name",
                "relationship",
                "phone",
                "email",
                "is_active",
                "preferred_language",
            ],
        )
        s_ids = self.upsert(
            Student,
            "student",
            {
                s: {
                    "district_id": district.pk,
                    "household_id": hid(s, r),
                    "given_name": r["given"],
                    "family_name": r["family"],
                    **({"date_of_birth": r["born"]} if r["born"] is not DROPPED else {}),
                    **({"grade": r["grade"]} if r["grade"] is not DROPPED else {}),
                    "is_active": True,
                }
                for s, r in students.items()
            },
            ["household_id", "given_name", "family_name", "date_of_birth", "grade", "is_active"],
        )
        self.progress("links", 70)
        # every guardian is linked to every student of their household
        by_household = {}
        for s, r in students.items():
            by_household.setdefault(hid(s, r), []).append(s_ids[s])
        have = set(
            GuardianStudent.objects.filter(guardian_id__in=list(g_ids.values())).values_list(
                "guardian_id", "student_id"
            )
        )
        links = [
            self.stamp_new(
                GuardianStudent(guardian_id=g_ids[s], student_id=st, relationship=r["relationship"])
            )
            for s, r in guardians.items()
            for st in by_household.get(hid(s, r), [])
            if (g_ids[s], st) not in have
        ]
        GuardianStudent.objects.bulk_create(links)
        self.out.counts["guardian link"]["created"] += len(links)
        # enrolments at the named site
        records = {
            f"{s}@{r['site_id']}": {
                "student_id": s_ids[s],
                "site_id": r["site_id"],
                "is_active": True,
                "ends_on": None,
            }
            for s, r in students.items()
            if r.get("site_id")
        }
        self.upsert(Enrolment, "enrolment", records, ["is_active", "ends_on"])
        # the file is complete: people imported before and missing now are deactivated
        off_s = self.deactivate(
            Student.objects.filter(district=district, sourced_id__startswith=prefix).exclude(
                sourced_id__in=list(people)
            ),
            "student",
        )
        off_g = self.deactivate(
            Guardian.objects.filter(
                household__district=district, sourced_id__startswith=prefix
            ).exclude(sourced_id__in=list(people)),
            "guardian",
        )
        self.end_enrolments(Enrolment.objects.filter(student_id__in=off_s, is_active=True))
        self.touched_households.update(existing.values())
        self.touched_households.update(self.households_of(Guardian, off_g))
        self.touched_households.update(self.households_of(Student, off_s))
        if not (self.changed["guardian"] or self.changed["student"] or off_s or off_g or new):
            self.touched_households = set()
        self.finish()


def _issue(file_name, line, e: RowError, severity=Severity.REJECTED):
    value = str(e.value).replace("\x00", "\ufffd")[:500]  # shown as it came, never the byte
    return Issue(severity, file_name, line, e.column, value, str(e.reason))


def template_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(TEMPLATE_HEADER)
    w.writerows(TEMPLATE_ROWS)
    return out.getvalue()
