"""LIAISON_REQUIRE_ALL=1 (set by .ci/run): a test that skips fails instead, saying why it skipped.

In CI every test must run: a missing Chromium, font, Redis or PDF tool is a broken CI machine, not
a reason to pass. Locally, without the variable, such tests still skip with their reason.
"""

import os

import pytest


def require_all() -> bool:
    return os.environ.get("LIAISON_REQUIRE_ALL", "") not in ("", "0")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (require_all() and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"LIAISON_REQUIRE_ALL is set, so this test may not skip: {reason}"
