"""OneRoster import of a synthetic district: initial import, re-import of the same bundle, a 1% delta.

Size: 100,000 students × ctx.scale (override with LIAISON_BENCH_ROSTER_STUDENTS). Targets are for
the full size (100k students, ~150k guardians, ~1M rows): initial < 60 s, re-import < 30 s,
1% delta < 5 s, peak memory < 1 GiB.

Each import runs in a process of its own, as `liaison import-oneroster` and a task worker run it:
the peak memory is that process's own high-water mark (VmHWM, which it reads from /proc at its
end), not the bench process's, which holds whatever earlier workloads left (the insights data set,
the attendance districts: 1.3 GiB on 7 Dec). os.wait4's ru_maxrss is not that figure: Linux keeps
the larger of a process's peak before and after exec, and a child started by vfork (Python's
subprocess) shares its parent's memory until it execs, so ru_maxrss gave the bench process's peak
(the same 1,266 MiB for all three imports, against 9 MiB the child itself used in a check). The
time is measured inside the process, around import_path(), without Python's and Django's start.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Result

ROOT = Path(__file__).resolve().parents[2]
_CHILD = """
import json, sys, time
import django
django.setup()
from liaison.roster.services import import_path
start = time.perf_counter()
run = import_path(path=sys.argv[1])
seconds = time.perf_counter() - start
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except OSError:  # no /proc (macOS): the process's own figure, in bytes there
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"seconds": seconds, "status": run.status, "message": run.message,
                  "counts": run.counts, "peak_kib": peak}))
"""


def _import_in_own_process(path: Path) -> tuple[float, dict, float]:
    """One import in a fresh process: (seconds, {"status", "message", "counts"}, peak MiB)."""
    from django.db import connection

    connection.close()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    out = proc.stdout.read()
    if proc.wait() != 0:
        raise RuntimeError(f"the import of {path} failed (exit {proc.returncode})")
    found = json.loads(out.decode().strip().splitlines()[-1])
    return found["seconds"], found, found["peak_kib"] / 1024


def run(ctx):
    from liaison.people.models import Guardian, Student
    from liaison.roster.generator import generate

    students = int(os.environ.get("LIAISON_BENCH_ROSTER_STUDENTS", 0)) or ctx.n(100_000)
    full = students >= 100_000
    work = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    bulk = generate(work / "bulk", students=students, seed=7)
    delta = generate(work / "delta", students=students, seed=7, delta_of=students)
    rows = sum(sum(1 for _ in f.open()) - 1 for f in bulk.glob("*.csv") if f.name != "manifest.csv")
    size = f"{students:,} students, {rows:,} CSV rows"

    peaks = []

    def timed(path):
        seconds, run, peak = _import_in_own_process(path)
        assert run["status"] == "done", run["message"]
        peaks.append(peak)
        return seconds, run

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
        ok=again < 30 and run2["counts"].get("updated", 0) == 0,
        notes=f"{size}; updated {run2['counts'].get('updated', 0)}, created {run2['counts'].get('created', 0)}",
    )
    changed = sum(1 for _ in (delta / "users.csv").open()) - 1
    d, run3 = timed(delta)
    yield Result(
        "roster: 1% delta",
        d,
        "s",
        "< 5 s at 100k students",
        ok=d < 5,
        notes=f"{changed:,} changed users; updated {run3['counts'].get('updated', 0)}",
    )
    peak = max(peaks)
    yield Result(
        "roster: peak memory (import process)",
        peak,
        "MiB",
        "< 1024 MiB",
        ok=peak < 1024,
        notes=f"{size}; the largest of the three import processes' peaks "
        f"({', '.join(f'{p:,.0f}' for p in peaks)} MiB)",
    )
