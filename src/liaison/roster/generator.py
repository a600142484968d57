"""Synthetic OneRoster 1.2 CSV bundles of any size, deterministic for a seed (tests and benchmarks).

    python -m liaison.roster.generator OUT_DIR --students 1000 [--zip]

Families: about 1.5 guardians per student, one family in five with two children; five classes
per student; phones in the fictional 555-01xx range, emails at example.org.
"""

import argparse
import csv
import random
import shutil
from pathlib import Path

USERS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "userMasterIdentifier",
    "resourceSourcedIds",
    "preferredGivenName",
    "preferredMiddleName",
    "preferredFamilyName",
    "primaryOrgSourcedId",
    "pronouns",
    "metadata.homeLanguage",
    "metadata.address",
    "metadata.postalCode",
    "metadata.programs",
]
GIVEN = [
    "Ana",
    "Luis",
    "Mai",
    "Omar",
    "Fatima",
    "Minh",
    "Sofia",
    "Abdi",
    "Nadia",
    "Jean",
    "Rosa",
    "Amina",
    "Carlos",
    "Linh",
    "Hodan",
    "Yusuf",
    "Marie",
    "Pablo",
    "Farah",
    "Tuan",
]
FAMILY = [
    "Garcia",
    "Nguyen",
    "Hassan",
    "Rodriguez",
    "Tran",
    "Ali",
    "Lopez",
    "Pierre",
    "Mohamed",
    "Pham",
    "Hernandez",
    "Warsame",
    "Silva",
    "Ahmadi",
    "Kim",
    "Vang",
    "Martinez",
    "Joseph",
]
LANGS = ["Spanish", "vie", "ar", "SOM", "Haitian Creole", "en", "pt", "hmn", "prs", "zh-Hant"]
PROGRAMS = ["", "", "", "ELL", "IEP", "504", "ELL,IEP", "McKinney-Vento"]
STAMP = "2026-01-05T10:00:00.000Z"


def _w(path: Path, header: list[str]):
    fh = path.open("w", newline="", encoding="utf-8")
    writer = csv.writer(fh)
    writer.writerow(header)
    return fh, writer


def phone(n: int) -> str:
    # +1 (area) 555-01xx: fictional numbers; area codes vary so numbers stay distinct.
    areas = [617, 508, 781, 413, 978, 339, 351, 774, 857, 201, 212, 646, 718, 347, 929]
    return f"+1{areas[(n // 100) % len(areas)]}55501{n % 100:02d}"


def generate(
    out: str | Path,
    *,
    students: int,
    seed: int = 1,
    schools: int | None = None,
    delta_of: int | None = None,
    make_zip: bool = False,
) -> Path:
    """Write a bulk bundle (or, with delta_of=N, a delta touching about 1% of the users)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rnd = random.Random(seed)
    trnd = random.Random(seed + 1)  # teachers
    drnd = random.Random(seed + 2)  # which families a delta touches
    n_schools = schools or max(1, students // 500)
    delta = delta_of is not None
    mode = "delta" if delta else "bulk"
    status = "active" if delta else ""
    stamp = STAMP if delta else ""
    files = ["orgs", "academicSessions", "users", "roles", "demographics", "classes", "enrollments"]
    with (out / "manifest.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["propertyName", "value"])
        w.writerow(["manifest.version", "1.0"])
        w.writerow(["oneroster.version", "1.2"])
        for f in files:
            w.writerow([f"file.{f}", "absent" if delta and f not in ("users",) else mode])
        w.writerow(["source.systemName", "Synthetic SIS"])
    if not delta:
        fh, w = _w(
            out / "orgs.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "name",
                "type",
                "identifier",
                "parentSourcedId",
            ],
        )
        w.writerow(["d1", "", "", "Synthetic Unified", "district", "synthetic", ""])
        for s in range(n_schools):
            w.writerow([f"sch{s}", "", "", f"School {s + 1}", "school", f"S{s + 1}", "d1"])
        fh.close()
        fh, w = _w(
            out / "academicSessions.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "type",
                "startDate",
                "endDate",
                "parentSourcedId",
                "schoolYear",
            ],
        )
        w.writerow(
            ["y2026", "", "", "2025-2026", "schoolYear", "2025-08-25", "2026-06-19", "", "2026"]
        )
        fh.close()
    fh_u, wu = _w(out / "users.csv", USERS)
    if not delta:
        fh_r, wr = _w(
            out / "roles.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "userSourcedId",
                "roleType",
                "role",
                "beginDate",
                "endDate",
                "orgSourcedId",
                "userProfileSourcedId",
            ],
        )
        fh_d, wd = _w(
            out / "demographics.csv",
            ["sourcedId", "status", "dateLastModified", "birthDate", "sex"],
        )
        fh_c, wc = _w(
            out / "classes.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "grades",
                "courseSourcedId",
                "classCode",
                "classType",
                "location",
                "schoolSourcedId",
                "termSourcedIds",
                "subjects",
                "subjectCodes",
                "periods",
            ],
        )
        fh_e, we = _w(
            out / "enrollments.csv",
            [
                "sourcedId",
                "status",
                "dateLastModified",
                "classSourcedId",
                "schoolSourcedId",
                "userSourcedId",
                "role",
                "primary",
                "beginDate",
                "endDate",
            ],
        )
    per_school = max(1, students // n_schools)
    classes_per_school = max(5, per_school // 25)
    if not delta:
        for s in range(n_schools):
            for c in range(classes_per_school):
                wc.writerow(
                    [
                        f"c{s}-{c}",
                        "",
                        "",
                        f"Class {c + 1}",
                        "03",
                        "",
                        f"C{c + 1}",
                        "scheduled",
                        "",
                        f"sch{s}",
                        "y2026",
                        "",
                        "",
                        "",
                    ]
                )
                t = f"t{s}-{c}"
                wu.writerow(
                    [
                        t,
                        "",
                        "",
                        "true",
                        f"teacher{s}-{c}",
                        "",
                        trnd.choice(GIVEN),
                        trnd.choice(FAMILY),
                        "",
                        "",
                        f"{t}@staff.example.org",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        f"sch{s}",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
                wr.writerow([f"r-{t}", "", "", t, "primary", "teacher", "", "", f"sch{s}", ""])
                we.writerow(
                    [
                        f"e-{t}",
                        "",
                        "",
                        f"c{s}-{c}",
                        f"sch{s}",
                        t,
                        "teacher",
                        "true",
                        "2025-08-25",
                        "",
                    ]
                )
    guardian_n = 0
    st = 0
    touched = 0
    while st < students:
        kids = 2 if rnd.random() < 0.2 and st + 1 < students else 1
        # 1.2 children and 1.8 guardians a family: 1.5 guardians a student, as districts report
        n_guardians = 2 if rnd.random() < 0.8 else 1
        family = rnd.choice(FAMILY)
        lang = rnd.choice(LANGS)
        street = f"{rnd.randint(1, 999)} {rnd.choice(['Elm', 'Oak', 'Main', 'Pine'])} St"
        kid_ids = [f"s{st + k}" for k in range(kids)]
        g_ids = [f"g{guardian_n + g}" for g in range(n_guardians)]
        school = (st // per_school) % n_schools
        change = delta and drnd.random() < 0.01
        if delta and not change:
            st += kids
            guardian_n += n_guardians
            # keep the random stream aligned with the bulk bundle
            for _ in g_ids:
                rnd.choice(GIVEN)
            for _ in kid_ids:
                rnd.choice(GIVEN), rnd.choice(PROGRAMS), rnd.randint(0, 365)
            continue
        for gid in g_ids:
            n = int(gid[1:])
            email = (
                f"{gid}@families.example.org" if not change else f"{gid}.new@families.example.org"
            )
            wu.writerow(
                [
                    gid,
                    status,
                    stamp,
                    "true",
                    "",
                    "",
                    rnd.choice(GIVEN),
                    family,
                    "",
                    "",
                    email,
                    phone(n),
                    "",
                    ",".join(kid_ids),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    lang,
                    street,
                    "02139",
                    "",
                ]
            )
            if not delta:
                wr.writerow([f"r-{gid}", "", "", gid, "primary", "parent", "", "", "d1", ""])
            touched += 1
        for k, sid in enumerate(kid_ids):
            given = rnd.choice(GIVEN)
            programs = rnd.choice(PROGRAMS)
            born = rnd.randint(0, 365)
            grade = f"{(st + k) % 12 + 1:02d}"
            wu.writerow(
                [
                    sid,
                    status,
                    stamp,
                    "true",
                    "",
                    "",
                    given,
                    family,
                    "",
                    "",
                    "",
                    "",
                    "",
                    ",".join(g_ids),
                    grade,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    f"sch{school}",
                    "",
                    lang,
                    "",
                    "",
                    programs,
                ]
            )
            if not delta:
                wr.writerow(
                    [f"r-{sid}", "", "", sid, "primary", "student", "", "", f"sch{school}", ""]
                )
                wd.writerow(
                    [
                        sid,
                        "",
                        "",
                        f"{2012 + (st + k) % 10}-{born % 12 + 1:02d}-{born % 28 + 1:02d}",
                        "female" if born % 2 else "male",
                    ]
                )
                for c in range(5):
                    cls = (st + k + c * 7) % classes_per_school
                    we.writerow(
                        [
                            f"e-{sid}-{c}",
                            "",
                            "",
                            f"c{school}-{cls}",
                            f"sch{school}",
                            sid,
                            "student",
                            "",
                            "2025-08-25",
                            "",
                        ]
                    )
            touched += 1
        st += kids
        guardian_n += n_guardians
    fh_u.close()
    if not delta:
        for fh in (fh_r, fh_d, fh_c, fh_e):
            fh.close()
    if make_zip:
        archive = shutil.make_archive(str(out), "zip", root_dir=out)
        return Path(archive)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--delta", action="store_true", help="a 1%% delta of the same bundle")
    parser.add_argument("--zip", action="store_true")
    args = parser.parse_args(argv)
    print(
        generate(
            args.out,
            students=args.students,
            seed=args.seed,
            delta_of=args.students if args.delta else None,
            make_zip=args.zip,
        )
    )


if __name__ == "__main__":
    main()
