"""Browser hardening: strict CSP without inline code, no-store on personal pages, secure
cookies and HSTS behind HTTPS, the CSP system check, and a clean `check --deploy`."""

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core import checks
from django.test import override_settings
from django.urls import reverse

import liaison
from tests.access import family
from tests.core.test_access_matrix import NO_RECORD, ROWS

SRC = Path(liaison.__file__).parent
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes and blocks,
    event-handler attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        if "style" in attrs:
            self.problems.append(f"style= on <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def test_no_template_has_inline_script_or_style():
    problems = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text()
        if re.search(r"<style\b", text) or re.search(r'\sstyle="', text):
            problems.append(f"{template}: style")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            problems.append(f"{template}: inline script")
        if INLINE_HANDLER.search(text):
            problems.append(f"{template}: event handler attribute")
    assert not problems, problems


def _pages(world):
    """Every page a signed-in admin can open: each matrix row's URL for an in-scope family, plus
    the pages without a family record."""
    household = family(world, "caseload")
    for name, row in sorted(ROWS.items()):
        if row.method == "get":
            yield reverse(name, args=row.args(world, household))
    for name in sorted(NO_RECORD):
        yield reverse(name)
    yield reverse("mfa_index")
    yield reverse("mfa_activate_totp")


def test_every_page_is_served_under_a_nonce_csp_and_has_no_inline_code(client, world):
    client.force_login(world.admin)
    seen = 0
    for url in _pages(world):
        response = client.get(url, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        csp = response["Content-Security-Policy"]
        # A full page loads its scripts by nonce; a fragment loads none (and gets no nonce).
        assert re.search(r"script-src 'self'( 'nonce-[\w+/=-]+')?;", csp), url
        assert ("'nonce-" in csp) == (b"<html" in response.content), url
        assert "unsafe-inline" not in csp, url
        assert inline_code(response.content.decode()) == [], url
        seen += 1
    client.logout()
    response = client.get(reverse("login"))
    assert inline_code(response.content.decode()) == []
    assert seen > 10


def test_pages_with_personal_data_are_not_stored(client, world):
    client.force_login(world.liaison)
    response = client.get(reverse("people:household", args=[world.caseload_family.pk]))
    assert response["Cache-Control"] == "no-store"
    response = client.get(reverse("people:caseload"))
    assert response["Cache-Control"] == "no-store"


def test_the_csp_check_fails_when_csp_is_off(settings, db):  # some apps' checks read the database
    assert not [
        e for e in checks.run_checks(include_deployment_checks=True) if e.id == "liaison.E001"
    ]
    middleware = [m for m in settings.MIDDLEWARE if "csp" not in m]
    with override_settings(MIDDLEWARE=middleware):
        errors = checks.run_checks(include_deployment_checks=True)
    assert "liaison.E001" in [e.id for e in errors]
    with override_settings(SECURE_CSP={}):
        errors = checks.run_checks(include_deployment_checks=True)
    assert "liaison.E001" in [e.id for e in errors]


def _liaison(tmp_path, *args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "DJANGO_"))}
    environment.pop("DATABASE_URL", None)
    environment.update(LIAISON_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "liaison.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_in_production(tmp_path):
    result = _liaison(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        LIAISON_HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="liaison.example.org",
        EMAIL_HOST="mail.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_check_deploy_says_when_no_mail_server_is_set(tmp_path):
    result = _liaison(
        tmp_path,
        "check",
        "--deploy",
        LIAISON_HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="liaison.example.org",
    )
    assert result.returncode != 0
    assert "mail.E001" in result.stdout + result.stderr


@pytest.mark.slow
def test_check_deploy_complains_without_https(tmp_path):
    result = _liaison(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="liaison.example.org",
    )
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS" in result.stderr + result.stdout


def test_behind_https_cookies_are_secure_and_hsts_is_sent(client, world, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.post(
        reverse("login"),
        {"login": "liaison", "password": "correct-horse-battery"},
        secure=True,
    )
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"]
    response = client.get(reverse("people:caseload"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
