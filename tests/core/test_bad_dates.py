"""An impossible date in any parameter a view reads answers 400 or a form error, never a 500."""

import datetime as dt
import html

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from liaison.events.choices import EventKind
from tests.concerns import factories as concern_factories
from tests.events.factories import EventFactory
from tests.resources.factories import ServiceFactory

BAD_DATES = ["2026-02-30", "9999-99-99", "abc"]


def _conference(world):
    start = timezone.now() + dt.timedelta(days=7)
    return EventFactory(
        district=world.district,
        site=world.school,
        kind=EventKind.CONFERENCE,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    )


def _concern(world):
    return concern_factories.concern(world.caseload_family, assignee=world.liaison)


def _meeting(world):
    return concern_factories.meeting(_concern(world))


def _referral(world):
    from liaison.resources import services

    return services.create_referral(
        household=world.caseload_family, service=ServiceFactory(), by=world.liaison
    )


# url name, who asks, URL args from the world, the date fields posted (GET for query parameters)
VIEWS = {
    "people:household_timeline": ("liaison", lambda w: [w.caseload_family.pk], "get", ["before"]),
    "people:student_edit": (
        "liaison",
        lambda w: [w.caseload_family.students.first().pk],
        "post",
        ["date_of_birth"],
    ),
    "events:new": ("admin", lambda w: [], "post", ["starts_at", "ends_at"]),
    "events:slots": ("admin", lambda w: [_conference(w).pk], "post", ["first", "last"]),
    "messaging:announcement_new": ("admin", lambda w: [], "post", ["send_at"]),
    "concerns:contacts": (
        "liaison",
        lambda w: [w.caseload_family.pk],
        "post",
        ["contact-follow_up_on"],
    ),
    "concerns:meeting_new": ("liaison", lambda w: [_concern(w).pk], "post", ["starts_at"]),
    "concerns:meeting_action": ("liaison", lambda w: [_meeting(w).pk], "post", ["due_on"]),
    "resources:referral_new": (
        "liaison",
        lambda w: [w.caseload_family.pk, ServiceFactory().pk],
        "post",
        ["follow_up_on"],
    ),
    "resources:referral_status": ("liaison", lambda w: [_referral(w).pk], "post", ["follow_up_on"]),
    "language:request_new": ("liaison", lambda w: [w.caseload_family.pk], "post", ["starts_at"]),
}


def _forms_in(response):
    return [
        value
        for context in response.context or []
        for value in context.flatten().values()
        if isinstance(value, forms.BaseForm)
    ]


@pytest.mark.parametrize("bad", BAD_DATES)
@pytest.mark.parametrize("url_name", sorted(VIEWS))
def test_an_impossible_date_is_a_400_or_a_form_error_never_a_500(client, world, url_name, bad):
    role, args, method, fields = VIEWS[url_name]
    client.force_login(getattr(world, role))
    url = reverse(url_name, args=args(world))
    data = dict.fromkeys(fields, bad)
    response = client.get(url, data) if method == "get" else client.post(url, data)
    assert response.status_code in (200, 400), f"{url_name} {bad}: {response.status_code}"
    # Either the 400 page names the parameter, or the page shows the form again with it marked.
    named = f"'{fields[0]}' is not a date" in html.unescape(response.content.decode())
    marked = {
        form.add_prefix(name)
        for form in _forms_in(response)
        if form.is_bound
        for name in form.errors
    }
    assert named or set(fields) <= marked, f"{url_name} {bad}: errors on {sorted(marked)}"


@pytest.mark.parametrize("bad", BAD_DATES)
def test_the_timeline_names_the_parameter_it_could_not_read(client, world, bad):
    client.force_login(world.liaison)
    response = client.get(
        reverse("people:household_timeline", args=[world.caseload_family.pk]), {"before": bad}
    )
    assert response.status_code == 400
    assert f"'before' is not a date and time: {bad}" in html.unescape(response.content.decode())


def test_the_timeline_still_pages_back_from_a_real_moment(client, world):
    client.force_login(world.liaison)
    response = client.get(
        reverse("people:household_timeline", args=[world.caseload_family.pk]),
        {"before": "2026-03-01T10:00:00+00:00"},
    )
    assert response.status_code == 200


def test_the_400_page_speaks_the_staff_members_language(client, world):
    client.force_login(world.liaison)
    response = client.get(
        reverse("people:household_timeline", args=[world.caseload_family.pk]),
        {"before": "2026-02-30"},
        headers={"accept-language": "es"},
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "'before' no es una fecha y hora: 2026-02-30" in page
    assert "No se pudo leer la solicitud" in page
