"""Draining 100,000 SMS deliveries through a loopback Twilio-compatible gateway with two worker processes."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from bench.harness import Result

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "AC" + "1" * 32
TOKEN = "bench-token"  # noqa: S105 - the loopback gateway ignores it


class FastGateway:
    """Minimal keep-alive HTTP/1.1 server on asyncio: answers every POST like Twilio and counts it."""

    def __init__(self):
        self.count = 0
        self.keys = set()
        self.duplicates = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                key = None
                for line in head.split(b"\r\n"):
                    low = line.lower()
                    if low.startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                    elif low.startswith(b"idempotency-key:"):
                        key = line.split(b":", 1)[1].strip()
                if length:
                    await reader.readexactly(length)
                self.count += 1
                if key in self.keys:
                    self.duplicates += 1
                self.keys.add(key)
                body = json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"}).encode()
                writer.write(
                    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self):
        self.thread.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.loop.stop)


def run(ctx):
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bench.workloads.messaging_announcement import build
    from liaison.messaging.choices import DeliveryState, Direction, MessageKind
    from liaison.messaging.models import Delivery, Message, Rendering
    from liaison.people.models import Guardian

    n = ctx.n(100_000)
    district, _admin = build(n)
    Delivery.objects.filter(state=DeliveryState.QUEUED).update(state=DeliveryState.CANCELLED)
    message = Message.objects.create(
        district=district,
        direction=Direction.OUT,
        kind=MessageKind.NOTICE,
        notice_kind="bench",
        body="Bench text",
        urgent=True,
    )
    guardians = list(
        Guardian.objects.filter(household__district=district)
        .order_by("pk")
        .values_list("pk", "household_id", "phone", "preferred_language")[:n]
    )
    Rendering.objects.bulk_create(
        [
            Rendering(message=message, language=lang, body="Bench text", method="original")
            for lang in {g[3] for g in guardians}
        ]
    )
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                message=message,
                guardian_id=gid,
                household_id_copy=hid,
                channel="sms",
                address=phone,
                language=lang,
                urgent=True,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            for gid, hid, phone, lang in guardians
        ],
        batch_size=5000,
    )
    connection.close()
    with FastGateway() as gateway:
        env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "LIAISON_SMS_BASE_URL": f"http://127.0.0.1:{gateway.port}",
            "LIAISON_SMS_ACCOUNT_SID": ACCOUNT,
            "LIAISON_SMS_AUTH_TOKEN": TOKEN,
            "LIAISON_SMS_FROM": "+16175550199",
            "LIAISON_MESSAGING_CONSOLE": "0",
            "LIAISON_LOG_LEVEL": "ERROR",
        }
        if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        cmd = [
            sys.executable,
            "-m",
            "liaison.cli",
            "deliver",
            "--batch-size",
            "500",
            "--until-done",
            "--poll",
            "0.1",
        ]
        start = time.perf_counter()
        # This process only runs the gateway while it waits for the workers: its CPU is the gateway's.
        own_cpu = time.process_time()
        workers = [
            subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for _ in range(2)
        ]
        cpu = 0.0
        for w in workers:
            # wait4 gives the worker's own CPU time (user + sys): wall time on a shared machine
            # says little, CPU per delivery says what a free core would do.
            _pid, status, usage = os.wait4(w.pid, 0)
            w.returncode = os.waitstatus_to_exitcode(status)
            cpu += usage.ru_utime + usage.ru_stime
        seconds = time.perf_counter() - start
        gateway_cpu = time.process_time() - own_cpu
        sent = Delivery.objects.filter(message=message, state=DeliveryState.SENT).count()
        rate = n / seconds
        exits = [w.returncode for w in workers]
        # Every delivery reached the gateway exactly once: no text lost, none sent twice.
        exactly_once = gateway.count == n and gateway.duplicates == 0 and sent == n
        yield Result(
            name=f"drain {n:,} SMS deliveries: the gateway saw each exactly once",
            value=gateway.count,
            unit="requests",
            target=f"= {n:,} requests, 0 duplicates, {n:,} rows sent, workers exit 0",
            ok=exactly_once and exits == [0, 0],
            notes=f"{gateway.duplicates} duplicates; {sent:,} rows sent; worker exit codes {exits}",
        )
        on_pg = ctx.db == "postgres"
        yield Result(
            name=f"drain {n:,} SMS deliveries, 2 worker processes",
            value=rate,
            unit="/s",
            # The target is PostgreSQL's; on SQLite the rate is given for context, not passed.
            target="≥ 5,000/s" if on_pg else "(≥ 5,000/s on PostgreSQL; informative on SQLite)",
            ok=(rate >= 5000 and exactly_once) if on_pg else None,
            notes=f"{seconds:.1f} s incl. process start; gateway saw {gateway.count:,} requests, "
            f"{gateway.duplicates} duplicates; {sent:,} rows sent; "
            f"{settings.MESSAGING_SEND_THREADS} send threads per worker; workers used "
            f"{cpu:.1f} s CPU ({cpu / n * 1e6:.0f} µs a delivery; the gateway {gateway_cpu / n * 1e6:.0f} µs "
            f"a delivery; a PostgreSQL server's time not included); load average "
            f"{os.getloadavg()[0]:.1f}",
        )
