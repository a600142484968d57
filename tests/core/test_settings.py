"""Production settings pass Django's deployment checks; the CSP check guards against turning CSP off."""

import os
import subprocess
import sys

from django.test import override_settings

from liaison.core.checks import csp_enabled


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "LIAISON_HTTPS": "1",
        "SECRET_KEY": "x" * 60 + "production-secret-key-for-the-test",
        "ALLOWED_HOSTS": "liaison.example.org",
        "EMAIL_HOST": "mail.example.org",
        "LIAISON_DATA_DIR": str(tmp_path),
        "DEBUG": "",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright in tests only
    result = subprocess.run(
        [sys.executable, "-m", "liaison.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_system_check_fails_when_csp_is_off():
    with override_settings(SECURE_CSP={}):
        assert [e.id for e in csp_enabled(None)] == ["liaison.E001"]


def test_pages_with_personal_data_are_not_cached(client, world):
    client.force_login(world.liaison)
    response = client.get(f"/people/households/{world.caseload_family.pk}/")
    assert response["Cache-Control"] == "no-store"
    assert "nonce-" in response["Content-Security-Policy"]


def test_only_the_page_youre_on_is_marked_current_in_the_navigation(client, world):
    client.force_login(world.liaison)
    html = client.get("/people/search/").content.decode()
    assert html.count('aria-current="page"') == 1
    assert 'href="/people/search/" aria-current="page"' in html


def test_check_deploy_warns_when_several_processes_would_each_keep_their_own_limits(settings):
    from django.core import checks

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.LIAISON_WEB_WORKERS = 2
    warnings = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])
    [warning] = [w for w in warnings if w.id == "liaison.W020"]
    assert "every sign-in limit would be counted per process" in warning.msg
    settings.LIAISON_WEB_WORKERS = 1
    assert "liaison.W020" not in {
        w.id for w in checks.run_checks(include_deployment_checks=True, tags=["caches"])
    }


def test_check_deploy_warns_when_pages_on_postgresql_would_keep_versions_on_one_server(
    settings, monkeypatch
):
    from django.core import checks

    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.postgresql")
    settings.LIAISON_LIVE_REDIS_URL = ""
    warnings = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])
    [warning] = [w for w in warnings if w.id == "liaison.W021"]
    assert "would not show changes taken in here" in warning.msg
    settings.LIAISON_LIVE_REDIS_URL = "redis://127.0.0.1:6379/1"
    assert "liaison.W021" not in {
        w.id for w in checks.run_checks(include_deployment_checks=True, tags=["caches"])
    }


def test_links_follow_the_port_the_server_listens_on(tmp_path):
    """`LIAISON_BIND=127.0.0.1:8767 make run` prints the demo's sign-in links, and sends families
    theirs, on 8767; LIAISON_PUBLIC_URL, when set, is the base whatever the port."""
    from liaison.config.settings import default_public_url

    assert default_public_url("0.0.0.0:9000") == "http://127.0.0.1:9000"
    assert default_public_url("[::]:9000") == "http://127.0.0.1:9000"
    assert default_public_url("unix:/run/liaison.sock") == "http://127.0.0.1:8000"
    code = "from django.conf import settings; print(settings.PUBLIC_URL)"

    def public_url(**env):
        base = {**os.environ, "LIAISON_DATA_DIR": str(tmp_path)}
        base.pop("LIAISON_PUBLIC_URL", None)
        base.update(env)
        result = subprocess.run(
            [sys.executable, "-m", "liaison.cli", "shell", "-v", "0", "-c", code],
            env=base,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert public_url(LIAISON_BIND="127.0.0.1:8767") == "http://127.0.0.1:8767"
    assert (
        public_url(LIAISON_BIND="127.0.0.1:8767", LIAISON_PUBLIC_URL="https://liaison.example.org/")
        == "https://liaison.example.org"
    )
