"""`liaison setup`: a real district on day one, without the demo."""

import io
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management import CommandError, call_command
from django.urls import reverse

from liaison.people.models import District, Household, Membership, Site, User

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-setup-passphrase-2026"


def setup(*extra, **env) -> str:
    out = io.StringIO()
    call_command(
        "setup",
        "--no-input",
        "--district",
        "Cedar Valley Unified",
        "--time-zone",
        "America/Los_Angeles",
        "--contact-phone",
        "(541) 555-0100",
        "--site",
        "Cedar Valley Elementary",
        "--site",
        "Little Oaks Centre=early-childhood",
        "--admin",
        "jortiz",
        "--admin-email",
        "jortiz@example.org",
        "--admin-name",
        "Julia Ortiz",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def code_for(secret: str) -> str:
    if 30 - time.time() % 30 < 1:  # a code about to expire may reach the server a period late
        time.sleep(30 - time.time() % 30 + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def secret_from(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("Key: "))[5:]


def test_setup_then_a_households_import_gives_a_district_its_admin_signs_into(
    client, monkeypatch, tmp_path
):
    from liaison.roster.households_csv import template_csv

    monkeypatch.setenv("LIAISON_SETUP_PASSWORD", PASSWORD)
    out = setup()
    district = District.objects.get()
    assert (district.name, district.slug, district.time_zone, district.contact_phone) == (
        "Cedar Valley Unified",
        "cedar-valley-unified",
        "America/Los_Angeles",
        "+15415550100",
    )
    assert sorted(Site.objects.values_list("name", "kind")) == [
        ("Cedar Valley Elementary", "school"),
        ("Little Oaks Centre", "early_childhood"),
    ]
    assert Membership.objects.filter(
        user__username="jortiz", district=district, role="district_admin", site=None
    ).exists()
    assert PASSWORD not in out  # a password the operator chose is never echoed
    # The template's own sample site is one that setup made: the import takes it as it is.
    csv_file = tmp_path / "households.csv"
    csv_file.write_text(template_csv())
    imported = io.StringIO()
    call_command("import_households", str(csv_file), "--district", district.slug, stdout=imported)
    assert "rejected 0" in imported.getvalue()
    garcia = Household.objects.get(district=district)
    assert garcia.students.get().enrolments.get().site.name == "Little Oaks Centre"
    # The admin signs in with the password and the authenticator app setup enrolled.
    response = client.post(reverse("login"), {"login": "jortiz", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": code_for(secret_from(out))})
    assert client.get(reverse("people:household", args=[garcia.pk])).status_code == 200
    assert client.get(reverse("roster:imports")).status_code == 200
    assert User.objects.count() == 1 and District.objects.count() == 1  # no demo data


def test_setup_without_a_password_generates_one_and_shows_it_once(client):
    out = setup()
    password = next(line for line in out.splitlines() if line.startswith("Password"))
    password = password.rsplit(": ", 1)[1]
    assert len(password) >= 16
    response = client.post(reverse("login"), {"login": "jortiz", "password": password})
    assert response["Location"] == reverse("mfa_authenticate")


def test_setup_names_every_wrong_answer_and_writes_nothing(monkeypatch):
    monkeypatch.setenv("LIAISON_SETUP_PASSWORD", PASSWORD)
    with pytest.raises(CommandError) as refused:
        setup(
            "--time-zone", "Mars/Olympus", "--admin-email", "not-an-address", "--site", "X=castle"
        )
    message = str(refused.value)
    assert "--time-zone" in message and "Mars/Olympus" in message
    assert "--admin-email" in message and "--site" in message
    assert not District.objects.exists() and not User.objects.exists()


def test_setup_twice_refuses_the_same_district(monkeypatch):
    monkeypatch.setenv("LIAISON_SETUP_PASSWORD", PASSWORD)
    setup()
    with pytest.raises(CommandError, match="exists already"):
        setup("--admin", "someone-else")
    assert District.objects.count() == 1


def test_a_superuser_with_no_district_is_told_to_run_setup_not_given_404s(client):
    root = User.objects.create_superuser("root", "root@example.org", "pw-root-2026-x")
    client.force_login(root)
    for name in [
        "home",
        "people:caseload",
        "messaging:announcements",
        "language:home",
        "insights:dashboard",
    ]:
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200, name
        assert b"liaison setup" in response.content, name
    assert client.get(reverse("admin:index")).status_code == 200  # the admin still opens


def test_a_superuser_without_a_membership_can_announce_in_the_district(client, world):
    root = User.objects.create_superuser("root", "root@example.org", "pw-root-2026-x")
    client.force_login(root)
    assert client.get(reverse("messaging:announcements")).status_code == 200
