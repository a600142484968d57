"""Running `liaison` commands and snippets in processes of their own, as an operator would, against
a database the test shares with them (the `own_database` fixture)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIAISON = [sys.executable, "-m", "liaison.cli"]


def runner(database_url: str, data_dir: Path, **extra_env: str) -> dict:
    """subprocess.run keyword arguments: the project's settings on that database, the database task
    backend, quiet logs; the command must succeed and its output is captured as text."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LIAISON_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "liaison.config.settings",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "LIAISON_TASK_BACKEND": "database",
        "LIAISON_LOG_LEVEL": "ERROR",
        **extra_env,
    }
    return dict(cwd=ROOT, env=env, check=True, capture_output=True, timeout=300, text=True)


def call(module: str, function: str, run: dict) -> subprocess.CompletedProcess:
    """`module.function()` in a fresh process, after django.setup() (before the module loads models)."""
    code = f"import django; django.setup(); from {module} import {function}; {function}()"
    return subprocess.run([sys.executable, "-c", code], **run)
