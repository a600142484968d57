"""Dashboards by role, drill-down to the households behind a figure, exports and outreach."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from liaison.insights import services
from liaison.insights.exports import safe_cell
from liaison.people.choices import Role
from tests import factories as f


@pytest.fixture
def refreshed(world):
    services.refresh_all()
    return world


def test_each_role_sees_its_own_dashboard(client, refreshed):
    client.force_login(refreshed.admin)
    assert "Testville Schools" in client.get("/insights/").content.decode()
    client.force_login(refreshed.leader)
    assert "Alder Elementary" in client.get("/insights/").content.decode()
    client.force_login(refreshed.liaison)
    assert "Caseload of" in client.get("/insights/").content.decode()


def test_a_liaison_cannot_open_the_district_or_another_site(client, refreshed):
    client.force_login(refreshed.liaison)
    assert (
        client.get(
            "/insights/", {"scope": "district", "scope_id": refreshed.district.pk}
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/insights/", {"scope": "site", "scope_id": refreshed.other_school.pk}
        ).status_code
        == 404
    )
    client.force_login(refreshed.teacher)
    assert client.get("/insights/").status_code == 404


def test_charts_are_accessible_svg_with_a_table(client, refreshed):
    client.force_login(refreshed.admin)
    html = client.get("/insights/").content.decode()
    assert (
        '<svg class="chart"' in html
        and 'role="img"' in html
        and "<title" in html
        and "<desc" in html
    )
    assert "<table>" in html


def test_drill_down_lists_the_unreached_and_exports_them(client, refreshed):
    client.force_login(refreshed.leader)
    params = {"scope": "site", "scope_id": refreshed.school.pk, "metric": "unreached"}
    html = client.get(reverse("insights:households"), params).content.decode()
    for family in (refreshed.caseload_family, refreshed.site_family, refreshed.taught_family):
        assert family.name in html
    assert refreshed.other_site_family.name not in html
    response = client.get(reverse("insights:households"), {**params, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Household" and len(rows) == 4
    response = client.get(reverse("insights:households"), {**params, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4


def test_call_list_leaves_out_restricted_guardians(client, refreshed):
    guardian = refreshed.site_family.guardians.first()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order (synthetic)"
    guardian.save()
    client.force_login(refreshed.leader)
    response = client.get(
        reverse("insights:call_list"),
        {"scope": "site", "scope_id": refreshed.school.pk, "metric": "unreached"},
    )
    text = response.content.decode("utf-8-sig")
    assert guardian.full_name not in text
    assert refreshed.taught_family.guardians.first().full_name in text


def test_start_outreach_turns_the_list_into_an_announcement_audience(client, refreshed):
    client.force_login(refreshed.leader)
    param = f"site:{refreshed.school.pk}:unreached:all:all"
    response = client.post(reverse("insights:outreach"), {"param": param})
    assert response.status_code == 302
    assert "source=insights" in response["Location"]
    from liaison.insights.views import outreach_audience

    guardians = set(
        outreach_audience(district=refreshed.district, user=refreshed.leader, param=param)
    )
    expected = {
        g
        for f in (refreshed.caseload_family, refreshed.site_family, refreshed.taught_family)
        for g in f.guardians.all()
    }
    assert guardians == expected
    # another site's list is refused
    bad = f"site:{refreshed.other_school.pk}:unreached:all:all"
    assert client.post(reverse("insights:outreach"), {"param": bad}).status_code == 400


@pytest.mark.parametrize(
    "value", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x")', "\t=1"]
)
def test_a_cell_that_starts_a_formula_stays_text(value):
    cell = safe_cell(value)
    assert cell.startswith("'") and cell[1:] == value


def test_exported_spreadsheet_cells_cannot_run_formulas(client, refreshed):
    refreshed.taught_family.name = '=HYPERLINK("http://evil.example","click")'
    refreshed.taught_family.save()
    client.force_login(refreshed.admin)
    params = {"scope": "district", "scope_id": refreshed.district.pk, "metric": "unreached"}
    text = client.get(reverse("insights:households"), {**params, "format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert "\n'=HYPERLINK" in text.replace("\r\n", "\n") or "\"'=HYPERLINK" in text
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("insights:households"), {**params, "format": "xlsx"}).content)
    )
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    assert any(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in values)


CASELOAD_PAGES = [
    "insights:dashboard",
    "insights:households",
    "insights:summary_pdf",
    "insights:at_risk",
]


@pytest.mark.parametrize("url_name", CASELOAD_PAGES)
def test_a_leader_sees_a_caseload_whose_every_family_is_at_their_sites(client, refreshed, url_name):
    client.force_login(refreshed.leader)
    params = {"scope": "caseload", "scope_id": refreshed.liaison.pk}
    assert client.get(reverse(url_name), params).status_code == 200


@pytest.mark.parametrize("url_name", CASELOAD_PAGES)
def test_a_caseload_with_a_family_outside_the_leaders_sites_is_refused(client, refreshed, url_name):
    f.AssignmentFactory(staff=refreshed.liaison, household=refreshed.other_site_family)
    services.refresh_all(full=True)
    client.force_login(refreshed.leader)
    params = {"scope": "caseload", "scope_id": refreshed.liaison.pk}
    assert client.get(reverse(url_name), params).status_code == 404
    # the district admin, who may see every family on it, and the liaison still read it
    for reader in (refreshed.admin, refreshed.liaison):
        client.force_login(reader)
        assert client.get(reverse(url_name), params).status_code == 200


def test_a_family_counted_in_the_rollups_but_no_longer_assigned_still_refuses(client, refreshed):
    """Figures built while the other-site family was on the caseload still count it."""
    assignment = f.AssignmentFactory(staff=refreshed.liaison, household=refreshed.other_site_family)
    services.refresh_all(full=True)
    assignment.delete()
    client.force_login(refreshed.leader)
    params = {"scope": "caseload", "scope_id": refreshed.liaison.pk}
    assert client.get(reverse("insights:dashboard"), params).status_code == 404
    services.refresh_all(full=True)
    assert client.get(reverse("insights:dashboard"), params).status_code == 200


def test_a_leader_cannot_read_the_caseload_of_someone_outside_their_district(client, refreshed):
    stranger = f.UserFactory(username="farliaison")
    f.MembershipFactory(
        user=stranger, district=refreshed.other_district, site=None, role=Role.LIAISON
    )
    client.force_login(refreshed.leader)
    params = {"scope": "caseload", "scope_id": stranger.pk}
    assert client.get(reverse("insights:dashboard"), params).status_code == 404


def test_outreach_from_a_caseload_with_a_family_outside_the_leaders_sites_is_refused(
    client, refreshed
):
    f.AssignmentFactory(staff=refreshed.liaison, household=refreshed.other_site_family)
    services.refresh_all(full=True)
    client.force_login(refreshed.leader)
    param = f"caseload:{refreshed.liaison.pk}:unreached:all:all"
    assert client.post(reverse("insights:outreach"), {"param": param}).status_code == 400
