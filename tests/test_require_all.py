"""In CI (LIAISON_REQUIRE_ALL=1) a skipped test fails the run; elsewhere it still skips."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIPPING = """
import pytest


def test_needs_a_tool_this_machine_lacks():
    pytest.skip("the tool is not installed")


@pytest.fixture
def tool():
    pytest.skip("no tool for the fixture")


def test_through_a_fixture(tool):
    pass


def test_that_runs():
    assert True
"""


def _run(tmp_path, **env):
    test = tmp_path / "test_skipping.py"
    test.write_text(SKIPPING)
    environ = {k: v for k, v in os.environ.items() if k != "LIAISON_REQUIRE_ALL"}
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:django"),
            *("-p", "tests.require_all", "-rA", "--rootdir", str(tmp_path), str(test)),
        ],
        cwd=ROOT,
        env={**environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skips_fail_the_run_when_every_test_is_required(tmp_path):
    run = _run(tmp_path, LIAISON_REQUIRE_ALL="1")
    assert run.returncode == 1, run.stdout
    assert "1 failed, 1 passed, 1 error" in run.stdout  # nothing reported as skipped
    assert "may not skip: the tool is not installed" in run.stdout
    assert "may not skip: no tool for the fixture" in run.stdout


def test_without_the_variable_a_skip_is_still_a_skip(tmp_path):
    run = _run(tmp_path)
    assert run.returncode == 0, run.stdout
    assert "1 passed, 2 skipped" in run.stdout
