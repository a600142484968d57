"""The at-risk list, the advocacy summary (small counts suppressed) and the PDF summary."""

import csv
import datetime as dt
import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.concerns.models import Concern, ConcernCategory
from liaison.insights import advocacy, services
from liaison.insights.models import AtRiskRules
from liaison.messaging.models import Delivery
from liaison.resources.models import TaxonomyTerm, UnmetNeed


def _concerns(world, household, code, n, *, urgency="normal", overdue=False):
    category, _ = ConcernCategory.objects.get_or_create(
        district=world.district, code=code, defaults={"label": code.replace("_", " ").title()}
    )
    now = timezone.now()
    Concern.objects.bulk_create(
        [
            Concern(
                district=world.district,
                household=household,
                category=category,
                source="phone",
                description="Synthetic concern",
                urgency=urgency,
                due_at=now - dt.timedelta(hours=2) if overdue else now + dt.timedelta(days=7),
                created_at=now - dt.timedelta(days=3),
            )
            for _ in range(n)
        ]
    )


# --- at-risk list ----------------------------------------------------------------------------


@pytest.fixture
def at_risk_world(world):
    from liaison.messaging import services as messaging

    messaging.record_family_reply(
        guardian=world.caseload_family.guardians.first(), body="Hola", channel="sms"
    )
    messaging.record_family_reply(
        guardian=world.taught_family.guardians.first(), body="Marhaba", channel="sms"
    )
    messaging.send_message(household=world.taught_family, body="Meeting Tuesday?", by=world.leader)
    Delivery.objects.filter(household_id_copy=world.taught_family.pk).update(state="failed")
    _concerns(world, world.caseload_family, "basic_needs", 1, urgency="urgent", overdue=True)
    services.refresh_all()
    return world


def test_the_at_risk_list_says_why_each_family_is_on_it(client, at_risk_world):
    w = at_risk_world
    client.force_login(w.leader)
    html = client.get(reverse("insights:at_risk")).content.decode()
    # Alder Elementary: site family never reached; taught family's every channel fails;
    # the caseload family wrote today but has an urgent concern past its target.
    assert "Sitefamily household" in html and "No two-way contact on record" in html
    assert "Every channel failing" in html
    assert "1 urgent concern open past its target" in html
    assert "Othersite household" not in html  # another site: out of the leader's scope
    # Attendance is not one of this list's rules: the page says so and leads to attendance's own.
    assert "Attendance is not imported" not in html
    assert "Students at risk through their attendance are on their own list" in html
    assert f'href="{reverse("attendance:at_risk")}"' in html


def test_a_district_tunes_its_rules(client, at_risk_world):
    w = at_risk_world
    client.force_login(w.admin)
    response = client.post(
        reverse("insights:at_risk_rules"),
        {"district": w.district.pk, "no_contact_days": 30, "flag_all_channels_failing": ""},
    )
    assert response.status_code == 302
    rules = AtRiskRules.objects.get(district=w.district)
    assert rules.no_contact_days == 30 and not rules.flag_all_channels_failing
    assert not rules.flag_overdue_urgent_concerns
    html = client.get(reverse("insights:at_risk"), {"scope": "site", "scope_id": w.school.pk})
    listed = html.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    assert "Every channel failing" not in listed and "urgent concern" not in listed
    assert "Caseload household" not in listed  # reached today; its concern no longer flags it


def test_bad_rules_are_refused_with_a_clear_error(client, at_risk_world):
    client.force_login(at_risk_world.admin)
    response = client.post(
        reverse("insights:at_risk_rules"),
        {"district": at_risk_world.district.pk, "no_contact_days": 2},
    )
    assert response.status_code == 400
    assert "Use at least 7 days." in response.content.decode()


def test_only_the_districts_admin_tunes_the_rules(client, at_risk_world):
    client.force_login(at_risk_world.leader)
    response = client.post(
        reverse("insights:at_risk_rules"),
        {"district": at_risk_world.district.pk, "no_contact_days": 30},
    )
    assert response.status_code == 404
    assert not AtRiskRules.objects.exists()


def test_the_at_risk_list_exports_with_the_reasons(client, at_risk_world):
    client.force_login(at_risk_world.admin)
    response = client.get(reverse("insights:at_risk"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Why"
    by_name = {r[0]: r[-1] for r in rows[1:]}
    assert by_name["Taught household"] == "Every channel failing"
    response = client.get(reverse("insights:at_risk"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == len(rows)


def test_an_urgent_concern_about_the_reader_does_not_put_a_family_on_their_at_risk_list(
    client, at_risk_world
):
    w = at_risk_world
    Concern.objects.filter(household=w.caseload_family).update(subject_staff=w.leader)
    client.force_login(w.leader)
    html = client.get(reverse("insights:at_risk")).content.decode()
    assert "urgent concern" not in html.split("<tbody>")[1]
    rows = client.get(reverse("insights:at_risk"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "urgent concern" not in rows
    client.force_login(w.admin)  # anyone else still sees the family flagged, and why
    rows = client.get(reverse("insights:at_risk"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "1 urgent concern open past its target" in rows


# --- advocacy summary ------------------------------------------------------------------------


def test_suppression_hides_small_counts_and_a_second_cell_where_a_total_would_tell():
    # two sites and the district total; last row is the column totals
    cells = [[12, 3, 15], [20, 30, 50], [32, 33, 65]]
    shown = advocacy.suppress_table(cells, row_totals=True, col_totals=True)
    assert shown[0][1] == "<10"
    for line in [*shown, *zip(*shown, strict=True)]:
        assert sum(1 for c in line if c in ("<10", "*")) != 1  # never exactly one hidden cell
    assert not any(re.fullmatch(r"[1-9]", c) for row in shown for c in row)


@pytest.fixture
def themes(world):
    _concerns(world, world.caseload_family, "academic", 12)  # Alder
    _concerns(world, world.site_family, "academic", 11)  # Alder
    _concerns(world, world.other_site_family, "academic", 15)  # Birch
    _concerns(world, world.taught_family, "transport", 4)  # Alder: small
    _concerns(world, world.interpreted_family, "transport", 20)  # Birch
    _concerns(world, world.interpreted_family, "bullying_safety", 1)  # Birch: one family
    housing = TaxonomyTerm.objects.create(name="Housing help")
    UnmetNeed.objects.bulk_create(
        [UnmetNeed(household=world.site_family, need=housing, description="Rent") for _ in range(7)]
    )
    services.refresh_all()
    return world


def _no_small_number(text):
    return not re.search(r">\s*[1-9]\s*<", text)


def test_the_advocacy_summary_never_shows_a_count_between_1_and_9(client, themes):
    client.force_login(themes.admin)
    html = client.get(reverse("insights:advocacy")).content.decode()
    assert "Family concerns by theme" in html and "Housing help" in html
    assert ">38<" in html  # academic in the district: 12 + 11 + 15
    assert "&lt;10" in html
    assert _no_small_number(html)
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert cells and not any(re.fullmatch(r"\s*[1-9]\s*", c) for c in cells)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("insights:advocacy"), {"format": fmt})
        if fmt == "csv":
            values = [
                v
                for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
                for v in row
            ]
        else:
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            values = [c.value for row in book.active.iter_rows() for c in row]
        assert "<10" in values
        assert not any(re.fullmatch(r"[1-9]", str(v)) for v in values)


def test_a_hidden_count_cannot_be_worked_out_from_the_totals(client, themes):
    client.force_login(themes.admin)
    tables = advocacy.summary(
        district_id=themes.district.pk,
        sites=[(themes.school.pk, "Alder"), (themes.other_school.pk, "Birch")],
        with_district=True,
    )
    for table in tables:
        rows = [cells for _label, cells in table.rows]
        for line in [*rows, *zip(*rows, strict=True)]:
            assert sum(1 for c in line if c in ("<10", "*")) != 1


def test_a_site_leader_sees_only_their_sites_themes(client, themes):
    client.force_login(themes.leader)
    html = client.get(reverse("insights:advocacy")).content.decode()
    assert "Alder Elementary" in html and "Birch Middle" not in html
    assert "Whole district" not in html
    assert _no_small_number(html)


# --- PDF summary -----------------------------------------------------------------------------


def test_the_pdf_summary_carries_the_figures_and_charts(client, themes):
    client.force_login(themes.leader)
    response = client.get(reverse("insights:summary_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "Family engagement summary — Alder Elementary" in text
        assert "Concerns raised, by category" in text and "Academic" in text
        assert "Reached in 30 days, by home language" in text


def test_the_pdf_summary_dates_its_figures_as_the_reader_writes_dates(client, themes):
    """ "Figures as of Dec 7, 2026.", not "Figures as of 2026-12-07."."""
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: scripts/ensure-poppler installs poppler-utils")
    client.force_login(themes.leader)
    response = client.get(reverse("insights:summary_pdf"))
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"Figures as of [A-Z][a-z]{2} \d{1,2}, \d{4}\.", text), text[:300]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_the_at_risk_list_tells_look_alike_households_apart(client, world):
    from tests import factories as f

    for given, phone in [("Marta", "+12125550142"), ("Rosa", "+12125550977")]:
        household = f.HouseholdFactory(
            district=world.district, name="Castillo household", site=world.school
        )
        f.GuardianFactory(
            household=household, given_name=given, family_name="Castillo", phone=phone
        )
    services.refresh_all()
    client.force_login(world.leader)
    html = client.get(reverse("insights:at_risk")).content.decode()
    assert html.count("Castillo household") == 2
    assert "phone ending 0142" in html and "phone ending 0977" in html
