"""OneRoster import of a synthetic district: initial import, re-import of the same bundle, a 1% delta.

Size: 100,000 students × ctx.scale (override with LIAISON_BENCH_ROSTER_STUDENTS). Targets are for
the full size (100k students, ~150k guardians, ~1M rows): initial < 60 s, re-import < 30 s,
1% delta < 5 s, peak memory < 1 GiB (resource.getrusage, the whole benchmark process).
"""

import os
import resource
import tempfile
import time
from pathlib import Path

from bench.harness import Result


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(ctx):
    from liaison.people.models import Guardian, Student
    from liaison.roster.generator import generate
    from liaison.roster.services import import_path

    students = int(os.environ.get("LIAISON_BENCH_ROSTER_STUDENTS", 0)) or ctx.n(100_000)
    full = students >= 100_000
    work = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    bulk = generate(work / "bulk", students=students, seed=7)
    delta = generate(work / "delta", students=students, seed=7, delta_of=students)
    rows = sum(sum(1 for _ in f.open()) - 1 for f in bulk.glob("*.csv") if f.name != "manifest.csv")
    size = f"{students:,} students, {rows:,} CSV rows"

    def timed(path):
        start = time.perf_counter()
        run = import_path(path=path)
        assert run.status == "done", run.message
        return time.perf_counter() - start, run

    first, _run1 = timed(bulk)
    guardians = Guardian.objects.count()
    note = f"{size}; {Student.objects.count():,} students, {guardians:,} guardians stored"
    yield Result(
        "roster: initial import",
        first,
        "s",
        "< 60 s at 100k students",
        ok=first < 60,
        notes=note + ("" if full else " (reduced size)"),
    )
    again, run2 = timed(bulk)
    yield Result(
        "roster: re-import of the same bundle",
        again,
        "s",
        "< 30 s at 100k students",
        ok=again < 30 and run2.counts.get("updated", 0) == 0,
        notes=f"{size}; updated {run2.counts.get('updated', 0)}, created {run2.counts.get('created', 0)}",
    )
    changed = sum(1 for _ in (delta / "users.csv").open()) - 1
    d, run3 = timed(delta)
    yield Result(
        "roster: 1% delta",
        d,
        "s",
        "< 5 s at 100k students",
        ok=d < 5,
        notes=f"{changed:,} changed users; updated {run3.counts.get('updated', 0)}",
    )
    peak = _peak_mib()
    yield Result(
        "roster: peak memory (process)", peak, "MiB", "< 1024 MiB", ok=peak < 1024, notes=size
    )
