"""A worker killed with SIGKILL mid-drain loses nothing and sends nothing twice.

Everything runs in real processes against a database of its own (an SQLite file, or a fresh
PostgreSQL database when the suite runs on PostgreSQL): `liaison migrate`, a setup script writing
10,000 deliveries (100 guardians × 100 notices), a first `liaison deliver` killed with SIGKILL once
the loopback gateway has seen a share of the texts, then a second worker that finishes after the
lease expires.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.messaging.gateway import FakeGateway

ROOT = Path(__file__).resolve().parents[2]
GUARDIANS = 100
NOTICES = 100


def setup_data(guardians_count=GUARDIANS, notices=NOTICES):
    """Run in a subprocess: a district, 100 guardians (555-0100..0199), 100 notices to all of them."""
    import django

    django.setup()
    from liaison.messaging import services
    from liaison.people.models import District, Guardian, Household

    district = District.objects.create(name="Killtown", slug="killtown")
    guardians = []
    for i in range(guardians_count):
        household = Household.objects.create(district=district, name=f"Family {i}")
        guardians.append(
            Guardian.objects.create(
                household=household,
                given_name=f"Parent{i}",
                family_name=f"Family{i}",
                preferred_language="en",
                phone=f"+1617555{100 + i:04d}",
                preferred_channels=["sms"],
            )
        )
    for n in range(notices):
        services.send_notice(
            guardians=guardians,
            subject="",
            body=f"Notice {n}: school pictures are on Friday.",
            by=None,
            kind="other",
            urgent=True,
        )


def report():
    import django

    django.setup()
    from liaison.messaging.models import Delivery

    print(
        json.dumps(
            {
                "states": dict(Counter(Delivery.objects.values_list("state", flat=True))),
                "ids": list(Delivery.objects.values_list("pk", flat=True)),
                "provider_ids": list(
                    Delivery.objects.exclude(provider_id="").values_list("provider_id", flat=True)
                ),
                "rows": [
                    list(r)
                    for r in Delivery.objects.values_list("pk", "state", "failure", "provider_id")
                ],
            }
        )
    )


@pytest.mark.slow
def test_sigkill_mid_drain_loses_nothing_and_sends_nothing_twice(own_database, tmp_path):
    with FakeGateway() as gateway:
        env = sms_env(own_database, tmp_path, gateway, LIAISON_DELIVERY_LEASE_SECONDS="3")
        run = dict(cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        manage = [sys.executable, "-m", "liaison.cli"]
        subprocess.run([*manage, "migrate", "--no-input"], **run)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from tests.messaging.test_worker_kill import setup_data; setup_data()",
            ],
            **run,
        )
        assert gateway.sent == []

        first = subprocess.Popen(
            [*manage, "deliver", "--batch-size", "50", "--poll", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while len(gateway.requests) < 2500 and time.monotonic() < deadline:
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait()
        seen_at_kill = len(gateway.requests)
        assert 0 < seen_at_kill < GUARDIANS * NOTICES

        subprocess.run(
            [*manage, "deliver", "--batch-size", "200", "--poll", "0.5", "--until-done"], **run
        )
        result = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from tests.messaging.test_worker_kill import report; report()",
                ],
                **run,
            ).stdout
        )

    keys = Counter(r["key"] for r in gateway.requests)
    expected = {f"liaison-delivery-{pk}" for pk in result["ids"]}
    assert len(expected) == GUARDIANS * NOTICES
    assert set(keys) == expected, "every delivery reached the gateway"
    assert max(keys.values()) == 1, "no delivery reached the gateway twice"
    assert result["states"] == {"sent": GUARDIANS * NOTICES}, "none lost, none left failed"
    assert sorted(result["provider_ids"]) == sorted(m["sid"] for m in gateway.sent)


OVERRUN_GUARDIANS = 30
OVERRUN_NOTICES = 20


def sms_env(database: str, data_dir, gateway: FakeGateway, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "LIAISON_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "LIAISON_SMS_BASE_URL": gateway.url,
        "LIAISON_SMS_ACCOUNT_SID": gateway.account,
        "LIAISON_SMS_AUTH_TOKEN": gateway.token,
        "LIAISON_SMS_FROM": "+16175550199",
        "LIAISON_MESSAGING_CONSOLE": "0",
        "LIAISON_TASK_BACKEND": "database",  # tasks are queued, never run: `deliver` drains
        "LIAISON_LOG_LEVEL": "ERROR",
        **extra,
    }


def settled_once(gateway: FakeGateway, rows: list[list]) -> dict[str, int]:
    """Every delivery ended sent, with exactly one text at the gateway and that text's id, or
    failed as uncertain with at most one; none reached the gateway twice. Returns the states."""
    keys = Counter(r["key"] for r in gateway.requests)
    sids = {m["key"]: m["sid"] for m in gateway.sent}
    twice = sorted(k for k, n in keys.items() if n > 1)
    assert not twice, f"{len(twice)} deliveries reached the gateway twice: {twice[:5]}"
    assert set(keys) <= {f"liaison-delivery-{pk}" for pk, *_ in rows}
    for pk, state, failure, provider_id in rows:
        key = f"liaison-delivery-{pk}"
        if state == "sent":
            assert keys[key] == 1, f"delivery {pk} is marked sent but never reached the gateway"
            assert provider_id == sids[key], f"delivery {pk} is marked sent with another text's id"
        else:
            assert (state, failure) == ("failed", "uncertain"), f"delivery {pk} ended {state}"
    return dict(Counter(state for _pk, state, *_ in rows))


@pytest.mark.slow
def test_a_batch_outlasting_its_lease_beside_a_live_worker_is_sent_once(own_database, tmp_path):
    """The loadtest's kill check on a loaded machine, small: two workers whose batches take longer
    to hand over than their lease (the gateway answers each text after 0.2 s), one of them killed
    mid-batch, a third started to finish. The live worker must not put back to "queued" (nor mark
    sent) a row the other is still handing over, and no worker may hand over a row it no longer
    holds: each delivery reaches the gateway once, or is marked uncertain."""
    with FakeGateway() as gateway:
        gateway.delay = 0.2
        env = sms_env(
            own_database,
            tmp_path,
            gateway,
            LIAISON_DELIVERY_LEASE_SECONDS="3",
            LIAISON_SMS_TIMEOUT="0.9",
            LIAISON_SEND_THREADS="2",
        )
        run = dict(cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        manage = [sys.executable, "-m", "liaison.cli"]
        subprocess.run([*manage, "migrate", "--no-input"], **run)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from tests.messaging.test_worker_kill import setup_data; "
                f"setup_data({OVERRUN_GUARDIANS}, {OVERRUN_NOTICES})",
            ],
            **run,
        )
        deliver = [*manage, "deliver", "--batch-size", "60", "--poll", "0.2"]
        quiet = dict(cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        victim = subprocess.Popen(deliver, **quiet)
        survivor = subprocess.Popen([*deliver, "--until-done"], **quiet)
        deadline = time.monotonic() + 120
        while len(gateway.requests) < 150 and time.monotonic() < deadline:
            time.sleep(0.005)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert 0 < len(gateway.requests) < OVERRUN_GUARDIANS * OVERRUN_NOTICES
        subprocess.run([*deliver, "--until-done"], **run)
        assert survivor.wait(timeout=300) == 0
        rows = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from tests.messaging.test_worker_kill import report; report()",
                ],
                **run,
            ).stdout
        )["rows"]

    assert len(rows) == OVERRUN_GUARDIANS * OVERRUN_NOTICES
    settled_once(gateway, rows)


EMAIL_GUARDIANS = 30
EMAIL_NOTICES = 2
KILL_AT = 25  # the email whose DATA is in flight when the worker dies


def setup_email_data():
    """Run in a subprocess: 30 guardians who take email, 2 notices to all of them (60 emails)."""
    import django

    django.setup()
    from liaison.messaging import services
    from liaison.people.models import District, Guardian, Household

    district = District.objects.create(name="Killtown", slug="killtown")
    guardians = []
    for i in range(EMAIL_GUARDIANS):
        household = Household.objects.create(district=district, name=f"Family {i}")
        guardians.append(
            Guardian.objects.create(
                household=household,
                given_name=f"Parent{i}",
                family_name=f"Family{i}",
                preferred_language="en",
                email=f"parent{i}@example.org",
                preferred_channels=["email"],
            )
        )
    for n in range(EMAIL_NOTICES):
        services.send_notice(
            guardians=guardians,
            subject=f"Notice {n}",
            body=f"Notice {n}: school pictures are on Friday.",
            by=None,
            kind="other",
            urgent=True,
        )


def email_report():
    import django

    django.setup()
    from liaison.messaging.models import Delivery

    rows = Delivery.objects.values_list("pk", "state", "failure")
    print(json.dumps({"rows": [list(r) for r in rows]}))


class HoldAtData:
    """Records each message; holds the answer to the KILL_AT-th DATA until released (the worker
    is killed meanwhile), then accepts it: a message the server took but the worker never heard of."""

    def __init__(self):
        import threading

        self.messages = []
        self.in_flight = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.messages.append(envelope.original_content)
        if len(self.messages) == KILL_AT:
            self.in_flight.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return "250 OK"

    def message_ids(self):
        ids = []
        for raw in self.messages:
            for line in raw.decode().splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip().strip("<>").split("@")[0])
        return ids


@pytest.mark.slow
def test_sigkill_during_smtp_leaves_only_the_email_in_data_uncertain(own_database, tmp_path):
    from tests.messaging.smtp import SMTPServer

    handler = HoldAtData()
    server = SMTPServer(recorder=handler).start()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": own_database,
            "LIAISON_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "LIAISON_EMAIL_BACKEND": "smtp",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
            "LIAISON_MESSAGING_CONSOLE": "0",
            "LIAISON_TASK_BACKEND": "database",
            "LIAISON_DELIVERY_LEASE_SECONDS": "3",
            "LIAISON_LOG_LEVEL": "ERROR",
        }
        run = dict(cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
        manage = [sys.executable, "-m", "liaison.cli"]
        subprocess.run([*manage, "migrate", "--no-input"], **run)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from tests.messaging.test_worker_kill import setup_email_data; setup_email_data()",
            ],
            **run,
        )
        first = subprocess.Popen(
            [*manage, "deliver", "--batch-size", "20", "--poll", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert handler.in_flight.wait(120), "the worker reached the KILL_AT-th email"
        first.send_signal(signal.SIGKILL)
        first.wait()
        handler.release.set()

        subprocess.run(
            [*manage, "deliver", "--batch-size", "20", "--poll", "0.5", "--until-done"], **run
        )
        rows = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from tests.messaging.test_worker_kill import email_report; email_report()",
                ],
                **run,
            ).stdout
        )["rows"]
    finally:
        server.stop()

    total = EMAIL_GUARDIANS * EMAIL_NOTICES
    seen = Counter(handler.message_ids())
    in_flight = handler.message_ids()[KILL_AT - 1]
    assert set(seen) == {f"liaison-delivery-{pk}" for pk, _s, _f in rows}, "every email arrived"
    assert max(seen.values()) == 1, "no email the server accepted was sent again"
    states = Counter(state for _pk, state, _f in rows)
    assert states == {"sent": total - 1, "failed": 1}, "the rest of the batch was retried"
    [(uncertain, failure)] = [(pk, f) for pk, state, f in rows if state == "failed"]
    assert f"liaison-delivery-{uncertain}" == in_flight, "only the email in DATA is uncertain"
    assert failure == "uncertain"


def test_the_loadtest_counts_states_apart_and_calls_only_a_real_loss_or_a_duplicate_loss():
    """bench/loadtest/run.py's kill check: "sending" rows awaiting reconciliation are unfinished,
    not lost; a row queued again after its text reached the gateway is a duplicate in waiting."""
    from bench.loadtest.run import tally

    gateway = [{"key": f"liaison-delivery-{pk}", "sid": f"SM{pk}"} for pk in (1, 2, 3, 5)]
    awaiting = tally(
        [
            [1, "sent", "", "SM1"],
            [2, "sending", "", ""],  # the killed worker's: at the gateway, not yet reconciled
            [3, "failed", "uncertain", ""],
            [4, "queued", "", ""],
            [5, "sent", "", "SM5"],
        ],
        gateway,
    )
    assert awaiting["states"] == {"queued": 1, "sending": 1, "sent": 2, "uncertain": 1}
    assert awaiting["texts_per_delivery"] == {"0": 1, "1": 4}
    assert awaiting["open"] == 2 and awaiting["awaiting_reconcile"] == 1
    assert not awaiting["lost"]

    requeued = tally([[1, "sent", "", "SM1"], [2, "queued", "", ""]], gateway)
    assert requeued["queued_again_after_reaching_gateway"] == [2] and requeued["lost"]
    twice = tally([[1, "sent", "", "SM1"]], [*gateway, {"key": "liaison-delivery-1", "sid": "SMx"}])
    assert twice["sent_twice"] == [1] and twice["lost"]
    never = tally([[6, "sent", "", "SM1"]], gateway)
    assert never["sent_never_handed_over"] == [6] and never["lost"]
    assert never["other_texts"] == 4
