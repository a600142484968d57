"""orgs.csv → District and Site, and academicSessions.csv (read for the classes' terms)."""

from django.utils.text import slugify

from liaison.people.choices import SiteKind
from liaison.people.models import District, Site
from liaison.roster.oneroster.check import ORG_TYPES, RowError, parse_date
from liaison.roster.oneroster.read import read_file
from liaison.roster.oneroster.store import ImportRun


def import_orgs(run: ImportRun) -> None:
    name = "orgs.csv"
    for sourced_id, pk in District.objects.exclude(sourced_id=None).values_list("sourced_id", "pk"):
        if sourced_id:
            run.orgs[sourced_id] = ("district", pk, pk)
    for sourced_id, pk, district_id in Site.objects.exclude(sourced_id=None).values_list(
        "sourced_id", "pk", "district_id"
    ):
        if sourced_id:
            run.orgs[sourced_id] = ("site", pk, district_id)
    if run.district:
        run.district_ids.add(run.district.pk)

    def check(line, row, status):
        kind = row.get("type", "").strip()
        if kind not in ORG_TYPES:
            raise RowError("type", kind, "unknown org type")
        if not row.get("name", "").strip():
            raise RowError("name", "", "an org needs a name")
        return {
            "type": kind,
            "name": row["name"].strip(),
            "parent": row.get("parentSourcedId", "").strip(),
            "identifier": row.get("identifier", "").strip(),
            "status": status,
            "line": line,
        }

    records = read_file(run, name, check)
    districts = {
        sid: r
        for sid, r in records.items()
        if r["type"] in ("district", "local", "state", "national")
    }
    for sid, r in districts.items():
        existing = District.objects.filter(sourced_id=sid).first()
        if existing is None and run.district and not run.district.sourced_id:
            existing = run.district
        if existing is None:
            slug = base = slugify(r["identifier"] or r["name"])[:40] or "district"
            n = 1
            while District.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            existing = run.stamp_new(District(name=r["name"], slug=slug, sourced_id=sid))
            existing.save()
            run.out.counts["district"]["created"] += 1
        elif existing.name != r["name"] or existing.sourced_id != sid:
            District.objects.filter(pk=existing.pk).update(
                name=r["name"], sourced_id=sid, updated_at=run.now, updated_by_id=run.by_id
            )
            run.out.counts["district"]["updated"] += 1
        else:
            run.out.counts["district"]["unchanged"] += 1
        run.orgs[sid] = ("district", existing.pk, existing.pk)
        run.district_ids.add(existing.pk)
    sites = {}
    for sid, r in records.items():
        if sid in districts:
            continue
        parent = run.orgs.get(r["parent"])
        fallback = run.district.pk if run.district and not r["parent"] else None
        district_id = parent[2] if parent else fallback
        if district_id is None:
            run.reject(
                name,
                r["line"],
                "parentSourcedId",
                r["parent"],
                "unknown org: the parent district is neither in the bundle nor in Liaison",
                sid=sid,
            )
            continue
        sites[sid] = {
            "name": r["name"],
            "district_id": district_id,
            "kind": SiteKind.SCHOOL if r["type"] == "school" else SiteKind.PROGRAMME,
            "is_active": r["status"] == "active",
        }
        run.district_ids.add(district_id)
    ids = run.upsert(Site, "site", sites, ["name", "is_active"])
    for sid, pk in ids.items():
        run.orgs[sid] = ("site", pk, sites[sid]["district_id"])
    run.deactivate_left_out(
        name, Site.objects.filter(district_id__in=run.district_ids), records, "site"
    )


def import_sessions(run: ImportRun) -> None:
    def check(line, row, status):
        start = parse_date(row.get("startDate", ""), "startDate")
        end = parse_date(row.get("endDate", ""), "endDate")
        if start and end and end < start:
            raise RowError("endDate", row["endDate"], "ends before it starts")
        return status

    run.sessions = set(read_file(run, "academicSessions.csv", check))
    run.out.counts["academic session"]["read"] += len(run.sessions)
