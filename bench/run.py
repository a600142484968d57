"""`make bench`: run every workload in bench/workloads/ on SQLite and PostgreSQL, write bench/report.md.

Each database runs in its own child process (Django settings are per process) against a fresh
database: SQLite in bench/.work/, PostgreSQL as database `liaison_bench` on DATABASE_URL's server
(default postgres://postgres@127.0.0.1:5432). A workload module exposes `run(ctx)` returning
`Result`s; see bench/harness.py.

Exit status: 0 when every figure with a target met it; 1 when one missed (or a workload failed);
2 when PostgreSQL cannot be reached. `--allow-miss` (exploratory runs) writes the report and exits
0 all the same, running SQLite alone when PostgreSQL is unreachable.
"""

import argparse
import datetime as dt
import importlib
import json
import os
import pkgutil
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/liaison_bench"


def workload_names(only: list[str] | None) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE / "workloads")]))
    return [n for n in names if not only or n in only]


def child(db: str, only: list[str] | None, scale: float, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "liaison.config.settings"
    os.environ["LIAISON_DATA_DIR"] = str(WORK / db)
    os.environ.setdefault("LIAISON_TASK_BACKEND", "database")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        for p in (WORK / db).glob("liaison.sqlite3*"):
            p.unlink()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.harness import Context

    ctx = Context(db=db, scale=scale)
    results = []
    for name in workload_names(only):
        module = importlib.import_module(f"bench.workloads.{name}")
        print(
            f"[{db}] {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}",
            flush=True,
        )
        try:
            for result in module.run(ctx):
                print(f"    {result.line()}", flush=True)
                results.append({"workload": name, **result.as_dict()})
        except Exception as exc:  # a failing workload is reported, the others still run
            import traceback

            traceback.print_exc()
            results.append(
                {
                    "workload": name,
                    "name": f"{name} failed",
                    "value": None,
                    "unit": "",
                    "target": "",
                    "ok": False,
                    "notes": f"{type(exc).__name__}: {exc}",
                }
            )
    out.write_text(json.dumps(results, indent=1))


def reset_postgres(url: str) -> None:
    import psycopg

    base = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {mem}, {cpu}; Python {platform.python_version()}"


VERDICT = {True: "yes", False: "NO", None: "—"}  # None: a figure with no target to meet


def write_report(all_results: dict[str, list[dict]], *, allow_miss: bool = False) -> Path:
    lines = [
        "# Liaison benchmark report",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "- Command: `make bench` (bench/run.py); each database in a fresh database of its own.",
    ]
    if allow_miss:
        lines.append("- Exploratory run (`--allow-miss`): a missed target did not fail it.")
    lines.append("")
    for db, results in all_results.items():
        lines += [
            f"## {db}",
            "",
            "| workload | figure | value | target | ok | notes |",
            "|---|---|---|---|---|---|",
        ]
        for r in results:
            value = "—" if r["value"] is None else f"{r['value']:,.2f} {r['unit']}".strip()
            lines.append(
                f"| {r['workload']} | {r['name']} | {value} | {r['target']} | "
                f"{VERDICT[r['ok']]} | {r.get('notes', '')} |"
            )
        lines.append("")
    report = HERE / "report.md"
    report.write_text("\n".join(lines))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--only", nargs="*", help="workload module names")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply data sizes (0.1 for a quick run)"
    )
    parser.add_argument(
        "--allow-miss",
        action="store_true",
        help="exploratory run: exit 0 even when a target is missed or PostgreSQL is unreachable",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.only, args.scale, Path(args.out))
        return 0
    WORK.mkdir(exist_ok=True)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    url = os.environ.get("LIAISON_BENCH_DATABASE_URL", DEFAULT_PG)
    if "postgres" in dbs:
        # Asked before anything runs: a run that cannot reach PostgreSQL fails at once.
        try:
            reset_postgres(url)
        except Exception as exc:
            if not args.allow_miss:
                print(f"FAILED: PostgreSQL is not reachable at {url}: {exc}", file=sys.stderr)
                return 2
            print(
                f"PostgreSQL is not reachable at {url}: {exc}; skipping it (--allow-miss).",
                file=sys.stderr,
            )
            dbs.remove("postgres")
    all_results = {}
    for db in dbs:
        env = dict(os.environ)
        if db == "postgres":
            env["DATABASE_URL"] = url
        out = WORK / f"results-{db}.json"
        cmd = [
            sys.executable,
            str(HERE / "run.py"),
            "--child",
            db,
            "--out",
            str(out),
            "--scale",
            str(args.scale),
        ]
        if args.only:
            cmd += ["--only", *args.only]
        out.unlink(missing_ok=True)
        child_run = subprocess.run(cmd, env=env, cwd=ROOT)
        if child_run.returncode != 0 or not out.exists():
            # The child died outside a workload (settings, migrate): that is a failed run too.
            all_results[db] = [
                {
                    "workload": "(run)",
                    "name": f"{db} run failed",
                    "value": None,
                    "unit": "",
                    "target": "",
                    "ok": False,
                    "notes": f"the {db} process exited with {child_run.returncode}",
                }
            ]
            continue
        all_results[db] = json.loads(out.read_text())
    report = write_report(all_results, allow_miss=args.allow_miss)
    print(f"Wrote {report}")
    missed = [(db, r) for db, rs in all_results.items() for r in rs if r["ok"] is False]
    for db, r in missed:
        print(f"MISSED [{db}] {r['workload']}: {r['name']} (target {r['target']})", file=sys.stderr)
    if missed and not args.allow_miss:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
