"""The deployment docs/deploy.md describes: the one-machine multi-process recipe run for real (2 web
processes, 2 workers and the scheduler on one database and one Redis), and the container and
systemd files checked as far as this machine can (no container daemon runs here)."""

import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
import yaml

from tests.core.conftest import REDIS_URL
from tests.core.test_documented_settings import variables_in_the_readme
from tests.core.test_serve import MANAGE, ROOT, free_port, healthy, prepare
from tests.core.test_worker import command_env
from tests.messaging.gateway import FakeGateway

DEPLOY = ROOT / "deploy"
DOC = (ROOT / "docs" / "deploy.md").read_text()


def liaison_commands() -> set[str]:
    import django.core.management

    return {*django.core.management.get_commands(), "serve"}


def test_compose_runs_each_process_once_migrated_with_documented_settings():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "scheduler"}
    for name in ("migrate", "web", "worker", "scheduler"):
        command = services[name]["command"]
        assert command[0] == "liaison" and command[1] in liaison_commands(), command
        assert set(services[name]["environment"]) <= variables_in_the_readme()
    assert services["migrate"]["command"][1:] == ["migrate", "--no-input"]
    for name in ("web", "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "--no-worker" in services["web"]["command"]
    assert services["web"]["environment"]["LIAISON_TASK_BACKEND"] == "redis"
    env_example = (DEPLOY / "liaison.env.example").read_text()
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", env_example, re.MULTILINE))
    assert named and named <= variables_in_the_readme(), named - variables_in_the_readme()


def test_containerfile_runs_as_a_user_checks_healthz_and_copies_what_exists():
    text = (DEPLOY / "Containerfile").read_text()
    assert re.search(r"^FROM docker.io/library/python:3\.13-slim$", text, re.MULTILINE)
    assert re.search(r"^USER liaison$", text, re.MULTILINE)
    assert "/healthz" in text.split("HEALTHCHECK", 1)[1]
    for source in re.findall(r"^COPY (.+) \S+$", text, re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd is not None
    command = yaml.safe_load(cmd.group(1))
    assert command[0] == "liaison" and command[1] in liaison_commands()
    assert "'.[postgres,redis,s3]'" in text  # extras pyproject names
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert all(f"\n{extra} = [" in pyproject for extra in ("postgres", "redis", "s3"))


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """The units as shipped, with the install paths pointed at this checkout's .venv (verify
    checks that ExecStart exists) and an empty environment file."""
    env_file = tmp_path / "liaison.env"
    env_file.write_text("")
    liaison = shutil.which("liaison", path=str(ROOT / ".venv" / "bin"))
    assert liaison
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text().replace("/opt/liaison/.venv/bin/liaison", liaison)
        (tmp_path / unit.name).write_text(text.replace("/etc/liaison/liaison.env", str(env_file)))
    result = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            "liaison.target",
            "liaison-migrate.service",
            "liaison-web@8001.service",
            "liaison-worker@1.service",
            "liaison-scheduler.service",
        ],
        cwd=tmp_path,
        env={"SYSTEMD_UNIT_PATH": f"{tmp_path}:", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stderr
    target = (DEPLOY / "systemd" / "liaison.target").read_text()
    assert "liaison-web@8001.service liaison-web@8002.service" in target
    assert "liaison-worker@1.service liaison-worker@2.service" in target


def sign_in(url: str, jar: CookieJar) -> str:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "/sign-in/", timeout=30) as r:
        token = r.read().decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": "liaison", "password": "correct-horse-battery"}
    ).encode()
    with opener.open(url + "/sign-in/", data=data, timeout=30) as r:
        return r.url


def page(url: str, jar: CookieJar) -> tuple[str, str]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url, timeout=30) as r:
        return r.url, r.read().decode()


@pytest.mark.slow
def test_the_one_machine_recipe_two_web_two_workers_and_the_scheduler(
    own_database, redis_db, tmp_path
):
    """docs/deploy.md's recipe with its own commands: every web process answers /healthz, a
    session signed in on one is good on the other (sessions through Redis), and the scheduler
    queued the repeating jobs for the workers."""
    ports = [free_port(), free_port()]
    commands = [
        ["serve", "--asgi", "--no-worker", "--bind", f"127.0.0.1:{ports[0]}"],
        ["serve", "--asgi", "--no-worker", "--bind", f"127.0.0.1:{ports[1]}"],
        ["worker"],
        ["worker"],
        ["scheduler"],
    ]
    for command in commands:
        written = " ".join(command).replace(str(ports[0]), "8001").replace(str(ports[1]), "8002")
        assert f"liaison {written}" in DOC, written
    with FakeGateway() as gateway:
        env = command_env(own_database, tmp_path, gateway, "redis")
        env.update({"CACHE_URL": REDIS_URL, "LIAISON_WEB_WORKERS": "1"})
        prepare(env)
        procs = [
            subprocess.Popen(
                [*MANAGE, *command],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            for command in commands
        ]
        try:
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            deadline = time.monotonic() + 120
            while not all(healthy(u) for u in urls) and time.monotonic() < deadline:
                assert all(p.poll() is None for p in procs)
                time.sleep(0.5)
            assert all(healthy(u) for u in urls)

            for first, second in (urls, urls[::-1]):
                jar = CookieJar()
                home = urllib.parse.urlsplit(sign_in(first, jar)).path
                assert home != "/sign-in/"
                landed, text = page(second + home, jar)
                assert urllib.parse.urlsplit(landed).path == home and "Sign out" in text

            check = "import django; django.setup(); from liaison.core.models import PeriodicRun; print(sorted(PeriodicRun.objects.exclude(token='').values_list('name', flat=True)))"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                out = subprocess.run(
                    [*MANAGE[:1], "-c", check],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                if "retention" in out:
                    break
                time.sleep(1)
            assert out.strip() == "['forget-throttles', 'retention', 'task-reminders']"
            assert all(p.poll() is None for p in procs)
        finally:
            outputs = []
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    outputs.append(p.communicate(timeout=30)[0])
                except subprocess.TimeoutExpired:
                    p.kill()
                    outputs.append(p.communicate()[0])
