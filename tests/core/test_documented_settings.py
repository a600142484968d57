"""Every environment variable Liaison reads is in the README's configuration tables, and every
variable those tables name is read somewhere: an operator can trust the README."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = {"get", "getenv", "env_bool", "env_list", "env_int", "env_float"}


def variables_read_by_the_code() -> dict[str, str]:
    found = {}
    for path in (ROOT / "src" / "liaison").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                environ = isinstance(func, ast.Attribute) and (
                    "environ" in ast.unparse(func.value) or ast.unparse(func.value) == "os"
                )
                if (called in {"get", "getenv", "setdefault"} and environ) or called in READERS - {
                    "get",
                    "getenv",
                }:
                    arg = node.args[0]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        name = arg.value
            elif (
                isinstance(node, ast.Subscript)
                and "environ" in ast.unparse(node.value)
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)
            ):
                name = node.slice.value
            if name and re.fullmatch(r"[A-Z][A-Z0-9_]+", name):
                found.setdefault(name, str(path.relative_to(ROOT)))
    # Set by Liaison itself for its own processes, not by an operator.
    # PROMETHEUS_MULTIPROC_DIR: core/metrics.py sets it from LIAISON_METRICS_DIR.
    for internal in ("DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"):
        found.pop(internal, None)
    return found


def variables_in_the_readme() -> set[str]:
    names = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_every_variable_the_code_reads_is_in_the_readme_table():
    documented = variables_in_the_readme()
    missing = {
        name: where
        for name, where in variables_read_by_the_code().items()
        if name not in documented
    }
    assert missing == {}, f"read by the code but not in README.md's tables: {missing}"


def test_every_variable_the_readme_table_names_is_read_by_the_code():
    stale = variables_in_the_readme() - set(variables_read_by_the_code())
    assert stale == set(), f"in README.md's tables but read nowhere: {sorted(stale)}"
