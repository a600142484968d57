"""The authorization matrix: every role × relationship to the family × every URL that shows one.

Outcomes: "ok" (200), "reason" (a liaison outside their caseload is asked why first: the page
itself answers 200 with the reason form, every other page sends them there), "404" (out of scope,
as if it did not exist). A URL of the people app that takes a family record and has no row here
fails `test_every_family_url_has_a_row`.
"""

import pytest
from django.urls import get_resolver, reverse

from liaison.audit.models import AccessLog

RELATIONSHIPS = ["caseload", "site", "other_site", "taught", "interpreted", "foreign"]
ROLES = ["admin", "leader", "liaison", "teacher", "interpreter", "outsider"]

# What each role may *see* of a family, by the family's relationship to them.
SEE = {
    "admin":       {"caseload": "ok", "site": "ok", "other_site": "ok", "taught": "ok", "interpreted": "ok", "foreign": "404"},
    "leader":      {"caseload": "ok", "site": "ok", "other_site": "404", "taught": "ok", "interpreted": "404", "foreign": "404"},
    "liaison":     {"caseload": "ok", "site": "reason", "other_site": "404", "taught": "reason", "interpreted": "404", "foreign": "404"},
    "teacher":     {"caseload": "404", "site": "404", "other_site": "404", "taught": "ok", "interpreted": "404", "foreign": "404"},
    "interpreter": {"caseload": "404", "site": "404", "other_site": "404", "taught": "404", "interpreted": "ok", "foreign": "404"},
    "outsider":    dict.fromkeys(RELATIONSHIPS, "404"),
}
# What each role may *change*: teachers and interpreters see but never edit.
EDIT = {
    **SEE,
    "teacher": dict.fromkeys(RELATIONSHIPS, "404"),
    "interpreter": dict.fromkeys(RELATIONSHIPS, "404"),
}
# Who may put a family on a caseload: admins and site leaders.
ASSIGN = {
    role: ({rel: SEE[role][rel] for rel in RELATIONSHIPS} if role in ("admin", "leader")
           else dict.fromkeys(RELATIONSHIPS, "404"))
    for role in ROLES
}

# url name -> (which record of the family it takes, which table applies)
URLS = {
    "people:household": ("household", SEE),
    "people:household_timeline": ("household", SEE),
    "people:household_edit": ("household", EDIT),
    "people:household_assign": ("household", ASSIGN),
    "people:guardian_new": ("household", EDIT),
    "people:student_new": ("household", EDIT),
    "people:guardian": ("guardian", SEE),
    "people:guardian_edit": ("guardian", EDIT),
    "people:student": ("student", SEE),
    "people:student_edit": ("student", EDIT),
}
# People URLs that take no family record (lists, search, forms for a new family).
NO_RECORD = {"people:caseload", "people:search", "people:household_new"}


def _family(world, relationship):
    return getattr(world, {"caseload": "caseload_family", "site": "site_family", "other_site": "other_site_family",
                           "taught": "taught_family", "interpreted": "interpreted_family",
                           "foreign": "foreign_family"}[relationship])


def _url(name, kind, household):
    if kind == "household":
        return reverse(name, args=[household.pk])
    obj = household.guardians.first() if kind == "guardian" else household.students.first()
    return reverse(name, args=[obj.pk])


def test_every_family_url_has_a_row():
    resolver = get_resolver()
    names = {f"people:{name}" for name in resolver.namespace_dict["people"][1].reverse_dict if isinstance(name, str)}
    missing = names - set(URLS) - NO_RECORD
    assert not missing, f"URLs without a row in the access matrix: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relationship", RELATIONSHIPS)
@pytest.mark.parametrize("url_name", sorted(URLS))
def test_access_matrix(client, world, role, relationship, url_name):
    kind, table = URLS[url_name]
    expected = table[role][relationship]
    household = _family(world, relationship)
    client.force_login(getattr(world, role))
    url = _url(url_name, kind, household)
    response = client.get(url)
    if expected == "ok":
        assert response.status_code == 200, f"{role} → {relationship} {url}: {response.status_code}"
    elif expected == "404":
        assert response.status_code == 404, f"{role} → {relationship} {url}: {response.status_code}"
    else:  # "reason": asked why before anything about the family is shown
        if url_name == "people:household":
            assert response.status_code == 200
            assert b'name="reason"' in response.content
            assert household.guardians.first().given_name.encode() not in response.content
        else:
            assert response.status_code == 302
            assert response["Location"] == reverse("people:household", args=[household.pk])


def test_breaking_the_glass_opens_the_record_and_logs_the_reason(client, world):
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.site_family.pk])
    response = client.post(url, {"reason": "Mother called the front office about a bus problem"})
    assert response.status_code == 302
    response = client.get(url)
    assert response.status_code == 200
    assert world.site_family.guardians.first().given_name.encode() in response.content
    entry = AccessLog.objects.filter(household_id=world.site_family.pk, action="break_glass").get()
    assert entry.username == "liaison"
    assert "bus problem" in entry.reason


def test_viewing_a_family_record_is_logged(client, world):
    client.force_login(world.leader)
    guardian = world.site_family.guardians.first()
    client.get(reverse("people:guardian", args=[guardian.pk]))
    entry = AccessLog.objects.get(kind="guardian", object_id=guardian.pk)
    assert entry.username == "leader"
    assert entry.household_id == world.site_family.pk


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(reverse("people:household", args=[world.caseload_family.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
