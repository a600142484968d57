"""Helpers for benchmark workloads: timing, percentiles, results."""

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Result:
    name: str
    value: float | None
    unit: str
    target: str = ""
    # True: the target was met; False: missed (make bench then exits non-zero); None: a figure
    # given for context, with no target to meet.
    ok: bool | None = None
    notes: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        value = "—" if self.value is None else f"{self.value:,.2f} {self.unit}"
        verdict = {True: "ok", False: "MISSED", None: "(no target)"}[self.ok]
        return f"{self.name}: {value} (target {self.target}) {verdict} {self.notes}"


@dataclass
class Context:
    db: str
    scale: float = 1.0

    def n(self, count: int) -> int:
        return max(1, int(count * self.scale))


def percentile(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1]


def time_calls(fn: Callable[[], object], *, repeat: int, warmup: int = 3) -> list[float]:
    """Milliseconds per call."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def within(
    name: str, samples_ms: list[float], *, p: float, limit_ms: float, notes: str = ""
) -> Result:
    value = percentile(samples_ms, p)
    return Result(
        name=name,
        value=value,
        unit="ms",
        target=f"p{p:g} < {limit_ms:g} ms",
        ok=value < limit_ms,
        notes=notes,
    )


# Seconds the demo district took to build in this benchmark database (None until it is built here).
DEMO_BUILD_SECONDS: list[float] = []


def demo_district():
    """The demo district (built once per benchmark database; the build is timed for demo_build)."""
    from liaison.demo import district as demo

    if demo.demo_exists():
        return demo.build_demo()
    start = time.perf_counter()
    district = demo.build_demo()
    DEMO_BUILD_SECONDS.append(time.perf_counter() - start)
    return district
