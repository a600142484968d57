"""`make loadtest`: issue #22's performance run, Locust headless against the multi-process
deployment on loopback, written to bench/loadtest.md.

What it starts, as docs/deploy.md describes a district's machine: PostgreSQL database
`liaison_loadtest` (its own, on LOADTEST_DATABASE_URL's server), Redis databases 14 (queue) and 15
(cache, sessions, live versions), the SMS provider played by the loopback gateway of the tests,
`liaison worker` ×2, `liaison scheduler`, and 1 then 2 web process groups (`liaison serve --asgi
--no-worker --workers 2`, each a uvicorn supervisor and two Django processes).

What it does:
1. bench/loadtest/prepare.py (the district once, fresh sessions and links each run);
2. an announcement to every guardian of the district (50,000), drained by the workers throughout;
3. for 1 and then 2 web groups: Locust steps of signed-in staff (5, 10, 25, … 1000), each for
   --step-seconds, with families in the portal (one for 5 staff) and inbound texts at the target's
   rate for that many staff (20 a second at 1,000), stopping at the first step whose page p95 is
   250 ms or more or that had an error; then /healthz alone for --healthz-seconds;
4. the kill check: a step at the last size that passed, during which one Django web process and
   one worker are killed with SIGKILL (the web process is replaced by its uvicorn supervisor, the
   worker by this script, as systemd's Restart= would); afterwards every logged call and inbound
   text answered 2xx during the whole run must be in the database, and the announcements'
   deliveries are counted by state (queued, leased, sending, sent, uncertain, …) after waiting up
   to --drain-seconds for them to settle (rows left "sending" by the killed worker wait for the
   scheduler's reconcile sweep), beside the texts the gateway took for each;
5. bench/loadtest.md: the figures, the slowest views from /metrics, the kill check.

A loss is a delivery marked sent that never reached the gateway, one that reached it twice, or one
"queued" or "leased" again although its text reached the gateway (the next drain would send it a
second time). A delivery still open after the wait is not lost: it is reported as unfinished.

Exit status: 0 when the harness ran and the kill check held (whatever the capacity figure), 1
when a write or a delivery was lost or sent twice, 2 when PostgreSQL or Redis cannot be reached,
3 when nothing was lost but deliveries were still open after --drain-seconds.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / "bench" / ".work" / "loadtest"
REPORT = ROOT / "bench" / "loadtest.md"
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.harness import percentile  # noqa: E402
from bench.run import machine  # noqa: E402
from tests.messaging.gateway import FakeGateway  # noqa: E402

PY = sys.executable
MANAGE = [PY, "-m", "liaison.cli"]
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/liaison_loadtest"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
P95_LIMIT_MS = 250
TARGET_STAFF, TARGET_TEXTS = 1000, 20
FINAL = {"sent", "delivered", "failed", "suppressed", "cancelled"}
# The kill check's states, in the order the report gives them ("uncertain": failed because the
# provider could not say whether it took the text).
STATES = ("queued", "leased", "sending", "sent", "delivered", "uncertain", "failed", "suppressed")
METRICS_TOKEN = "loadtest-metrics"  # noqa: S105 - loopback only


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)


def deployment_env(
    database_url: str, redis: str, gateway: FakeGateway, redis_dbs: tuple[int, int] = (14, 15)
) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "DATABASE_URL": database_url,
        "LIAISON_DATA_DIR": str(WORK / "data"),
        "LIAISON_TASK_BACKEND": "redis",
        "REDIS_URL": f"{redis}/{redis_dbs[0]}",
        "CACHE_URL": f"{redis}/{redis_dbs[1]}",
        "SECRET_KEY": "loadtest-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LIAISON_PUBLIC_URL": "https://liaison.example.org",
        "LIAISON_METRICS_TOKEN": METRICS_TOKEN,
        "LIAISON_SMS_BASE_URL": gateway.url,
        "LIAISON_SMS_ACCOUNT_SID": gateway.account,
        "LIAISON_SMS_AUTH_TOKEN": gateway.token,
        "LIAISON_SMS_FROM": "+16175550199",
        "LIAISON_MESSAGING_CONSOLE": "0",
        "LIAISON_QUIET_HOURS_CHANNELS": "",  # the run must not depend on the hour
        # A worker killed mid-send holds its leased rows this long before another takes them.
        "LIAISON_DELIVERY_LEASE_SECONDS": "20",
        # Under a third of the lease: every call ends before a reconcile may look (delivery.py).
        "LIAISON_SMS_TIMEOUT": "5",
        # Pages poll (every 3 s) rather than hold a stream: Locust measures requests.
        "LIAISON_LIVE_STREAM": "0",
        # The scheduler's sweeps (the delivery drain's among them) are looked at every 10 s.
        "LIAISON_SCHEDULER_SECONDS": "10",
        "LIAISON_LOG_LEVEL": "ERROR",
    }


class Proc:
    """A command in its own process group, its output in a file."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str]):
        self.name = name
        self.out = open(WORK / f"{name}.log", "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole group (the RQ worker and the work horse it forked)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.out.close()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def start_web(groups: int, env: dict[str, str], workers: int) -> tuple[list[Proc], list[str]]:
    procs, hosts = [], []
    for g in range(groups):
        port = 18510 + g
        group_env = {**env, "LIAISON_METRICS_DIR": str(WORK / f"metrics-{g}")}
        procs.append(
            Proc(
                f"web{g}",
                [
                    *MANAGE,
                    "serve",
                    "--asgi",
                    "--no-worker",
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
                group_env,
            )
        )
        hosts.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 180
    for proc, host in zip(procs, hosts, strict=True):
        while not healthy(host):
            if proc.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{proc.name} did not start: see {proc.out.name}")
            time.sleep(0.5)
    return procs, hosts


def django_processes(group: Proc) -> list[int]:
    """The uvicorn worker processes (Django) under a `liaison serve --asgi` group."""
    import psutil

    found = []
    for child in psutil.Process(group.process.pid).children(recursive=True):
        cmdline = " ".join(child.cmdline())
        if "multiprocessing" in cmdline and "resource_tracker" not in cmdline:
            found.append(child.pid)
    return found


def locust(
    hosts: list[str],
    *,
    classes: list[str],
    seconds: int,
    staff: int = 0,
    families: int = 0,
    sms_rate: float = 0,
    healthz: int = 0,
    label: str,
    token: str,
    public_url: str,
) -> dict:
    """One headless Locust run; returns its samples and 2xx writes."""
    record = WORK / f"locust-{label}.json"
    record.unlink(missing_ok=True)
    users = staff + families + (max(1, int(sms_rate + 0.999)) if sms_rate else 0) + healthz
    env = {
        **os.environ,
        "LOADTEST_HOSTS": ",".join(hosts),
        "LOADTEST_STAFF": str(staff),
        "LOADTEST_FAMILIES": str(families),
        "LOADTEST_SMS_RATE": str(sms_rate),
        "LOADTEST_HEALTHZ": str(healthz),
        "LOADTEST_SMS_TOKEN": token,
        "LOADTEST_PUBLIC_URL": public_url,
        "LOADTEST_RECORD": str(record),
        "LOADTEST_RUN": label.replace("-", ""),
    }
    cmd = [
        PY,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--host",
        hosts[0],
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users / 5, 1)),  # everyone in within 5 s
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    with open(WORK / f"locust-{label}.log", "w") as out:
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if not record.exists():
        raise RuntimeError(f"Locust wrote no record: see {WORK / f'locust-{label}.log'}")
    return json.loads(record.read_text())


def summarise(data: dict, seconds: float) -> dict:
    pages = [(n, ms, ok) for n, ms, ok in data["samples"] if n.startswith("page: ")]
    times = [ms for _n, ms, _ok in pages]
    by_page: dict[str, list[float]] = {}
    for n, ms, _ok in pages:
        by_page.setdefault(n.removeprefix("page: "), []).append(ms)
    errors = [n for n, _ms, ok in data["samples"] if not ok]
    if not pages:  # nothing answered at all is a failed step, not a fast one
        errors.append("no page answered (see the step's Locust log)")
    return {
        "pages": len(pages),
        "p95": percentile(times, 95) if times else float("nan"),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "requests": len(data["samples"]),
        "rps": len(data["samples"]) / seconds,
        "texts": len(data["writes"]["texts"]),
        "calls": len(data["writes"]["calls"]),
        "slowest_page": max(by_page, key=lambda k: percentile(by_page[k], 95)) if by_page else "",
        "by_page_p95": {k: percentile(v, 95) for k, v in sorted(by_page.items())},
    }


def metrics_by_view(host: str) -> list[tuple[str, float, int]]:
    """(view, mean ms, count) from /metrics, slowest first (all the group's processes)."""
    request = urllib.request.Request(  # noqa: S310 - loopback
        host + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        text = response.read().decode()
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for line in text.splitlines():
        m = re.match(r"liaison_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)", line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        key = f"{labels.get('method')} {labels.get('view')}"
        if m.group(1) == "sum":
            sums[key] = sums.get(key, 0) + float(m.group(3))
        else:
            counts[key] = counts.get(key, 0) + int(float(m.group(3)))
    rows = [(k, 1000 * sums[k] / counts[k], counts[k]) for k in counts if counts[k]]
    return sorted(rows, key=lambda r: -r[1])


def django_script(env: dict[str, str], code: str) -> str:
    script = "import django, json; django.setup()\n" + code
    run = subprocess.run(
        [PY, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if run.returncode:
        raise RuntimeError(run.stderr[-3000:])
    return run.stdout.strip()


ANNOUNCE = """
from liaison.messaging.audiences import Audience
from liaison.messaging.services import send_announcement
from liaison.people.models import District, User
district = District.objects.get(slug="loadtown")
message = send_announcement(district=district, audience=Audience(), subject="Snow day",
    body="Schools are closed tomorrow for snow. Stay safe.", by=User.objects.get(username="lt-admin"),
    urgent=True)
print(message.pk)
"""

DELIVERY_STATES = """
from collections import Counter
from liaison.messaging.models import Delivery, Message
messages = Message.objects.filter(pk__in={pks})
print(json.dumps({{"preparing": messages.filter(state="preparing").count(),
    "recipients": sum(m.recipient_count for m in messages),
    "states": dict(Counter(Delivery.objects.filter(message_id__in={pks}).values_list("state", flat=True)))}}))
"""

DELIVERY_ROWS = """
from liaison.messaging.models import Delivery
print(json.dumps([list(r) for r in Delivery.objects.filter(message_id__in={pks})
    .values_list("pk", "state", "failure", "provider_id")]))
"""


def tally(rows: list[list], gateway_sent: list[dict]) -> dict:
    """The kill check's accounting: the deliveries by state (failed as uncertain counted apart),
    how many texts the gateway took for each, and what of that is a loss.

    rows: [pk, state, failure, provider_id] of every delivery of the announcements; gateway_sent:
    the texts the gateway took (each with the delivery's idempotency key and the sid it gave).
    """
    texts = Counter(m["key"] for m in gateway_sent)
    sids = {m["key"]: m["sid"] for m in gateway_sent}
    states: Counter = Counter()
    by_texts: Counter = Counter()  # texts a delivery got: "0", "1", "2+"
    by_state_texts: Counter = Counter()
    never_sent, resend, twice, other_sid = [], [], [], []
    for pk, state, failure, provider_id in rows:
        label = "uncertain" if state == "failed" and failure == "uncertain" else state
        key = f"liaison-delivery-{pk}"
        n = texts.get(key, 0)
        got = "2+" if n > 1 else str(n)
        states[label] += 1
        by_texts[got] += 1
        by_state_texts[f"{label} / {got}"] += 1
        if n > 1:
            twice.append(pk)
        if label in ("sent", "delivered"):
            if n == 0:
                never_sent.append(pk)  # marked sent, never reached the provider: a family lost it
            elif provider_id != sids[key]:
                other_sid.append(pk)  # reconciled against another text to the same number
        elif label in ("queued", "leased") and n:
            resend.append(pk)  # will be handed over again: a duplicate in waiting
    ours = {f"liaison-delivery-{pk}" for pk, *_ in rows}
    return {
        "states": {
            s: states[s] for s in (*STATES, *sorted(set(states) - set(STATES))) if states[s]
        },
        "texts_per_delivery": dict(sorted(by_texts.items())),
        "state_by_texts": dict(sorted(by_state_texts.items())),
        "gateway_texts": sum(texts[k] for k in ours),
        "other_texts": sum(n for k, n in texts.items() if k not in ours),
        "open": sum(states[s] for s in ("queued", "leased", "sending")),
        "awaiting_reconcile": states["sending"],
        "sent_never_handed_over": never_sent,
        "sent_twice": twice,
        "queued_again_after_reaching_gateway": resend,
        "sent_with_another_texts_id": other_sid,
        "lost": bool(never_sent or twice or resend),
    }


CHECK_WRITES = """
import re
from liaison.concerns.models import Contact
from liaison.messaging.models import Message
calls = set(json.loads(open({calls!r}).read()))
texts = set(json.loads(open({texts!r}).read()))
stored_calls = set(Contact.objects.filter(outcome__startswith="loadtest ").values_list("outcome", flat=True))
stored_texts = set()
for body in Message.objects.filter(direction="in", body__contains="(SMlt").values_list("body", flat=True):
    stored_texts.update(re.findall(r"\\((SMlt\\w+)\\)", body))
print(json.dumps({{"calls_missing": sorted(calls - stored_calls), "texts_missing": sorted(texts - stored_texts),
    "calls": len(calls), "texts": len(texts)}}))
"""


def reset_redis(redis: str, redis_dbs: tuple[int, int]) -> None:
    import redis as redis_lib

    for index in redis_dbs:
        redis_lib.Redis.from_url(f"{redis}/{index}").flushdb()


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def texts_rate(staff: int) -> float:
    """The target's inbound texts for this many staff (20 a second for 1,000), at least 1."""
    return max(1.0, TARGET_TEXTS * staff / TARGET_STAFF)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--steps", default="5,10,25,50,100,250,500,1000")
    parser.add_argument("--step-seconds", type=int, default=40)
    parser.add_argument("--groups", default="1,2", help="web process groups to measure, in turn")
    parser.add_argument("--web-workers", type=int, default=2, help="uvicorn processes a group")
    parser.add_argument("--workers", type=int, default=2, help="`liaison worker` processes")
    parser.add_argument("--healthz-seconds", type=int, default=10)
    parser.add_argument("--kill-seconds", type=int, default=45)
    parser.add_argument("--drain-seconds", type=int, default=240)
    parser.add_argument(
        "--redis-dbs",
        default="14,15",
        help="the Redis databases for the task queue and the cache, QUEUE,CACHE (both are "
        "emptied at the start: choose ones nothing else uses)",
    )
    parser.add_argument(
        "--no-announcement",
        action="store_true",
        help="measure the pages without an announcement draining beside them (the kill check "
        "still sends its own): how much of the page time the drain costs",
    )
    args = parser.parse_args()
    started = time.monotonic()
    cpu_start = os.times()
    WORK.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_PG)
    redis = os.environ.get("LOADTEST_REDIS_URL", DEFAULT_REDIS).rstrip("/")
    queue_db, cache_db = (int(n) for n in args.redis_dbs.split(","))
    try:
        ensure_database(database_url)
        reset_redis(redis, (queue_db, cache_db))
    except Exception as exc:
        print(f"FAILED: PostgreSQL or Redis is not reachable: {exc}", file=sys.stderr)
        return 2
    steps = [int(s) for s in args.steps.split(",")]
    group_counts = [int(g) for g in args.groups.split(",")]
    results: dict[int, dict] = {}
    writes = {"calls": [], "texts": []}
    procs: list[Proc] = []
    with FakeGateway() as gateway:
        env = deployment_env(database_url, redis, gateway, (queue_db, cache_db))
        say = {"token": gateway.token, "public_url": env["LIAISON_PUBLIC_URL"]}
        log("prepare: migrate, the district (once), sessions and links")
        subprocess.run(
            [PY, str(HERE / "prepare.py"), "--sessions", str(max(steps))],
            cwd=ROOT,
            env=env,
            check=True,
        )
        workers = [Proc(f"worker{i}", [*MANAGE, "worker"], env) for i in range(args.workers)]
        procs += [*workers, Proc("scheduler", [*MANAGE, "scheduler"], env)]
        announcements = []
        try:
            for groups in group_counts:
                # Each configuration is measured beside a drain of its own.
                if not args.no_announcement:
                    announcements.append(int(django_script(env, ANNOUNCE).splitlines()[-1]))
                    log(
                        f"announcement {announcements[-1]} to every guardian: draining beside the load"
                    )
                web, hosts = start_web(groups, env, args.web_workers)
                log(f"{groups} web group(s) up: {', '.join(hosts)}")
                # Warm-up (not counted): every page once in each process, templates compiled.
                locust(
                    hosts,
                    classes=["Staff"],
                    seconds=15,
                    staff=4 * groups * args.web_workers,
                    label=f"g{groups}-warmup",
                    **say,
                )
                rows, passed = [], 0
                for staff in steps:
                    families, rate = max(1, staff // 5), texts_rate(staff)
                    data = locust(
                        hosts,
                        classes=["Staff", "Family", "InboundText"],
                        seconds=args.step_seconds,
                        staff=staff,
                        families=families,
                        sms_rate=rate,
                        label=f"g{groups}-s{staff}",
                        **say,
                    )
                    for kind in writes:
                        writes[kind] += data["writes"][kind]
                    row = summarise(data, args.step_seconds) | {
                        "staff": staff,
                        "families": families,
                        "sms_rate": rate,
                    }
                    rows.append(row)
                    ok = row["p95"] < P95_LIMIT_MS and row["errors"] == 0
                    log(
                        f"{groups} group(s), {staff} staff: page p95 {row['p95']:.0f} ms, "
                        f"{row['errors']} errors, {row['rps']:.1f} req/s "
                        f"(slowest: {row['slowest_page']}) -> {'pass' if ok else 'stop'}"
                    )
                    if not ok:
                        break
                    passed = staff
                hz = locust(
                    hosts,
                    classes=["Healthz"],
                    seconds=args.healthz_seconds,
                    healthz=32,
                    label=f"g{groups}-healthz",
                    **say,
                )
                hz_ok = sum(1 for _n, _ms, ok in hz["samples"] if ok)
                try:
                    views = metrics_by_view(hosts[0])
                except OSError as exc:  # reported, not fatal: the kill check still runs
                    views = [(f"/metrics did not answer: {exc}", 0.0, 0)]
                results[groups] = {
                    "rows": rows,
                    "passed": passed,
                    "healthz_rps": hz_ok / args.healthz_seconds,
                    "healthz_p95": percentile([ms for _n, ms, _ok in hz["samples"]], 95),
                    "views": views[:8],
                }
                log(
                    f"{groups} group(s): {passed} staff passed; /healthz "
                    f"{results[groups]['healthz_rps']:.0f} req/s"
                )
                if groups != group_counts[-1]:
                    for p in web:
                        p.stop()
                else:
                    procs += web

            # The kill check, on the last configuration, at the last size that passed.
            hosts = [f"http://127.0.0.1:{18510 + g}" for g in range(group_counts[-1])]
            kill_staff = max(results[group_counts[-1]]["passed"], steps[0])
            kill = {"staff": kill_staff}
            if args.kill_seconds:
                runner = subprocess.Popen(  # the Locust step, in the background while we kill
                    [
                        PY,
                        "-c",
                        "import sys; from bench.loadtest.run import locust, json; "
                        "print(json.dumps(locust(**json.loads(sys.argv[1]))))",
                        json.dumps(
                            {
                                "hosts": hosts,
                                "classes": ["Staff", "Family", "InboundText"],
                                "seconds": args.kill_seconds,
                                "staff": kill_staff,
                                "families": max(1, kill_staff // 5),
                                "sms_rate": texts_rate(kill_staff),
                                "label": "kill",
                                **say,
                            }
                        ),
                    ],
                    cwd=ROOT,
                    env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
                    stdout=subprocess.PIPE,
                    text=True,
                )
                time.sleep(args.kill_seconds / 3)
                sent_before = len(gateway.sent)
                announcements.append(int(django_script(env, ANNOUNCE).splitlines()[-1]))
                group = next(p for p in procs if p.name == "web0")
                victims = django_processes(group)
                if victims:
                    os.kill(victims[0], signal.SIGKILL)
                    kill["web_pid"] = victims[0]
                    log(f"killed web process {victims[0]} (SIGKILL)")
                # The worker dies mid-drain: once the kill step's own announcement is being handed over.
                deadline = time.monotonic() + args.kill_seconds
                while len(gateway.sent) < sent_before + 2000 and time.monotonic() < deadline:
                    time.sleep(0.05)
                victim = workers[0]
                kill["worker_pid"] = victim.process.pid
                kill["sent_before_worker_kill"] = len(gateway.sent) - sent_before
                victim.kill()
                log(
                    f"killed worker {victim.process.pid} and its work horse (SIGKILL); restarting it"
                )
                procs.append(Proc("worker0-restarted", [*MANAGE, "worker"], env))
                out, _ = runner.communicate(timeout=args.kill_seconds + 120)
                data = json.loads(out.strip().splitlines()[-1])
                for kind in writes:
                    writes[kind] += data["writes"][kind]
                kill |= summarise(data, args.kill_seconds)
                kill["web_replaced"] = len(django_processes(group)) == args.web_workers

            log(f"waiting up to {args.drain_seconds} s for the announcement's deliveries")
            deadline = time.monotonic() + args.drain_seconds
            while True:
                states = json.loads(django_script(env, DELIVERY_STATES.format(pks=announcements)))
                open_rows = sum(n for s, n in states["states"].items() if s not in FINAL)
                if (not states["preparing"] and not open_rows) or time.monotonic() > deadline:
                    break
                time.sleep(10)
            kill["deliveries"] = states
            kill["announcements"] = announcements
            kill["waited"] = round(args.drain_seconds - max(0.0, deadline - time.monotonic()))
            rows = json.loads(django_script(env, DELIVERY_ROWS.format(pks=announcements)))
            with gateway.lock:
                taken = list(gateway.sent)
            kill["tally"] = tally(rows, taken)
            kill["sent_twice"] = len(kill["tally"]["sent_twice"])
            kill["gateway_texts"] = len(taken)
            (WORK / "writes-calls.json").write_text(json.dumps(writes["calls"]))
            (WORK / "writes-texts.json").write_text(json.dumps(writes["texts"]))
            kill["writes"] = json.loads(
                django_script(
                    env,
                    CHECK_WRITES.format(
                        calls=str(WORK / "writes-calls.json"), texts=str(WORK / "writes-texts.json")
                    ),
                )
            )
        finally:
            for p in reversed(procs):
                p.stop()
    cpu = os.times()
    lost = bool(
        kill["writes"]["calls_missing"] or kill["writes"]["texts_missing"] or kill["tally"]["lost"]
    )
    write_report(
        args,
        results,
        kill,
        wall=time.monotonic() - started,
        cpu=(cpu.children_user + cpu.children_system)
        - (cpu_start.children_user + cpu_start.children_system),
    )
    log(f"wrote {REPORT.relative_to(ROOT)}")
    return 1 if lost else 3 if kill["tally"]["open"] else 0


def kill_sentence(args, kill: dict) -> str:
    if "worker_pid" not in kill:
        return (
            "No kill step (`--kill-seconds 0`): nothing was killed; the writes and deliveries "
            "below are still checked."
        )
    return (
        f"During a {args.kill_seconds} s step at {kill['staff']} staff on the last configuration: "
        f"web process {kill.get('web_pid', '(none found)')} killed with SIGKILL (replaced by its "
        f"supervisor: {'yes' if kill['web_replaced'] else 'NO'}), then worker "
        f"{kill['worker_pid']} and its work horse killed with SIGKILL once "
        f"{kill['sent_before_worker_kill']:,} texts had reached the gateway since a last "
        "announcement was sent for this step (mid-drain), and started again. "
        f"That step: page p95 {kill['p95']:.0f} ms, {kill['errors']} failed requests "
        f"({', '.join(kill['error_kinds']) or 'none'}) — requests in flight on the killed "
        "process, never answered 2xx."
    )


def write_report(args, results: dict[int, dict], kill: dict, *, wall: float, cpu: float) -> None:
    load = os.getloadavg()
    lines = [
        "# Load test (`make loadtest`)",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {wall / 60:.1f} min wall, "
        f"{cpu / 60:.1f} min CPU in the processes it started (server, workers, Locust)",
        f"- Machine: {machine()}; load average at the end {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (the machine is shared: figures are what it gave this run)",
        f"- Deployment: PostgreSQL, Redis, `liaison serve --asgi --no-worker --workers "
        f"{args.web_workers}` per web group, {args.workers} × `liaison worker`, `liaison "
        "scheduler`; the SMS provider is the loopback gateway; Locust (one process) on the "
        "same 2 cores",
        f"- Load per step: N signed-in staff (think 3–10 s; Today, household, search, inbox, "
        f"an open thread polled every 3 s, logging a call), N/5 families in the portal "
        f"(signed in by a thread's link), inbound texts at {TARGET_TEXTS}/s × N/{TARGET_STAFF} "
        f"(at least 1/s) through the signed webhook, and "
        + (
            "**no announcement draining** (`--no-announcement`)"
            if args.no_announcement
            else "an announcement to 50,000 guardians draining (one sent as each configuration "
            "starts)"
        )
        + f"; {args.step_seconds} s a step; a step passes with page p95 < "
        f"{P95_LIMIT_MS} ms and no error",
        f"- Target (issue #22): {TARGET_STAFF:,} staff and {TARGET_TEXTS} texts/s at page p95 < "
        f"{P95_LIMIT_MS} ms",
        "",
        "## Capacity",
        "",
        "| web groups | staff that passed | page p95 at the first step | /healthz req/s | "
        "staff ÷ /healthz req/s | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for groups, r in results.items():
        ratio = r["passed"] / r["healthz_rps"] if r["healthz_rps"] else float("nan")
        verdict = "target met" if r["passed"] >= TARGET_STAFF else "below target"
        lines.append(
            f"| {groups} | {r['passed']} | {r['rows'][0]['p95']:.0f} ms at {r['rows'][0]['staff']} "
            f"| {r['healthz_rps']:.0f} (p95 {r['healthz_p95']:.0f} ms) "
            f"| {ratio:.3f} | {verdict} |"
        )
    for groups, r in results.items():
        lines += [
            "",
            f"### {groups} web group(s), step by step",
            "",
            "| staff | families | texts/s | page p95 | errors | requests/s | slowest page (p95) |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in r["rows"]:
            slow = row["slowest_page"]
            lines.append(
                f"| {row['staff']} | {row['families']} | {row['sms_rate']:.1f} | "
                f"{row['p95']:.0f} ms | {row['errors']} {', '.join(row['error_kinds'])} | "
                f"{row['rps']:.1f} | {slow} ({row['by_page_p95'].get(slow, 0):.0f} ms) |"
            )
        lines += [
            "",
            "Slowest views by mean time, over the whole configuration (/metrics, first group):",
            "",
            "| view | mean | requests |",
            "|---|---|---|",
            *[f"| {v} | {ms:.0f} ms | {n} |" for v, ms, n in r["views"]],
        ]
    w, d, t = kill["writes"], kill["deliveries"], kill["tally"]
    lines += [
        "",
        "## Kill check",
        "",
        kill_sentence(args, kill),
        "",
        f"- Logged calls answered 2xx during the whole run: {w['calls']:,}; missing from the "
        f"database: **{len(w['calls_missing'])}**",
        f"- Inbound texts answered 2xx during the whole run: {w['texts']:,}; missing from the "
        f"database: **{len(w['texts_missing'])}**",
        f"- The announcements ({len(kill['announcements'])}: "
        f"{'none' if args.no_announcement else 'one'} a configuration, "
        f"{'one' if 'worker_pid' in kill else 'none'} for the kill, "
        f"{d['recipients']:,} recipients; {d['preparing']} still preparing), after waiting "
        f"{kill['waited']} s of at most {args.drain_seconds} s for them to settle: deliveries "
        f"{', '.join(f'{s} {n:,}' for s, n in t['states'].items())}",
        f"- Texts the gateway took for them: {t['gateway_texts']:,} "
        f"({kill['gateway_texts']:,} in all); deliveries by texts taken: "
        f"{', '.join(f'{k}: {n:,}' for k, n in t['texts_per_delivery'].items())}; by state and "
        f"texts: {', '.join(f'{k}: {n:,}' for k, n in t['state_by_texts'].items())}",
        f"- Marked sent but never at the gateway: **{len(t['sent_never_handed_over']):,}**; at "
        f"the gateway twice or more: **{len(t['sent_twice']):,}**; queued or leased again "
        f"although their text reached the gateway (the next drain would send it twice): "
        f"**{len(t['queued_again_after_reaching_gateway']):,}**",
        f"- Still open after the wait (not lost, not finished): {t['open']:,}, of which "
        f'{t["awaiting_reconcile"]:,} "sending" awaiting reconciliation; marked sent with '
        f"another text's id (reconciled against an earlier text to the same number): "
        f"{len(t['sent_with_another_texts_id']):,}",
        "",
        "Verdict: "
        + (
            "**LOSS** (see above)."
            if w["calls_missing"] or w["texts_missing"] or t["lost"]
            else f"nothing lost; **{t['open']:,} deliveries unfinished** after the wait."
            if t["open"]
            else "nothing lost."
        ),
        "",
    ]
    REPORT.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
