"""Prometheus metrics: what the processes count (requests, imports, rollups, live connections) and
what is read from the database when /metrics is asked (queue depth, deliveries by state and channel).

Under gunicorn every worker is a process of its own: with LIAISON_METRICS_DIR set (`liaison serve`
sets it), each process writes its counts to files there and /metrics adds them up
(prometheus_client's multiprocess mode), whichever process answers.
"""

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# prometheus_client chooses how it keeps values when it is first imported: the directory must be
# in the environment before that (nothing else in Liaison imports it).
if settings.LIAISON_METRICS_DIR:
    Path(settings.LIAISON_METRICS_DIR).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(settings.LIAISON_METRICS_DIR)

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from liaison.core.health import queue_depth

CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    "liaison_request_duration_seconds",
    "Time to answer a request, by view (its URL name), method and status",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IMPORT_SECONDS = Histogram(
    "liaison_import_duration_seconds",
    "Time a roster import took, by kind (oneroster, households) and outcome",
    ["kind", "outcome"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
)
ROLLUP_SECONDS = Histogram(
    "liaison_rollup_duration_seconds",
    "Time a refresh of the insights rollups took (incremental or full)",
    ["mode"],
    buckets=(0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800),
)
# Live (server-sent events) connections held open now, summed over the live processes.
SSE_CONNECTIONS = Gauge(
    "liaison_sse_connections",
    "Live-update (server-sent events) connections open now",
    multiprocess_mode="livesum",
)


@dataclass(frozen=True)
class Reading:
    """A gauge read from the database at scrape time: rows of (label values, value)."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]


_readings: list[Reading] = []


def register_reading(reading: Reading) -> None:
    """An app adds a figure read from its tables when /metrics is asked (messaging: deliveries)."""
    if all(r.name != reading.name for r in _readings):
        _readings.append(reading)


class _ReadingsCollector:
    def collect(self) -> Iterator[Metric]:
        for reading in _readings:
            family = GaugeMetricFamily(reading.name, reading.documentation, labels=reading.labels)
            for label_values, value in reading.read():
                family.add_metric(list(label_values), value)
            yield family


def _queue_depth() -> Iterable[tuple[tuple[str, ...], float]]:
    depth = queue_depth()
    return [] if depth is None else [(("default",), float(depth))]


_READINGS = _ReadingsCollector()
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    REGISTRY.register(_READINGS)

register_reading(
    Reading(
        "liaison_queue_depth",
        "Background tasks due and waiting for a worker, by queue",
        ("queue",),
        _queue_depth,
    )
)


def exposition() -> bytes:
    """The text /metrics answers: every process's counts (added up) and the database readings."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(REGISTRY)  # this process's own counts, and the readings
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(_READINGS)
    return generate_latest(registry)


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(view, method, str(status)).observe(seconds)


class timed:
    """`with timed(IMPORT_SECONDS, kind="oneroster") as t:` observes the seconds the block took;
    `t.outcome = "failed"` labels it before it ends (when the histogram has an outcome label)."""

    def __init__(self, histogram: Histogram, **labels: str) -> None:
        self.histogram = histogram
        self.labels = labels
        self.outcome = "done"

    def __enter__(self) -> "timed":
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        labels = dict(self.labels)
        if "outcome" in self.histogram._labelnames:
            labels["outcome"] = "error" if exc_type else self.outcome
        self.histogram.labels(**labels).observe(time.perf_counter() - self.started)


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit: a worker that ended no longer counts in the live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
