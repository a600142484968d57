"""The insights dashboard is kept for its reader (core/kept.py) until the rollups are rebuilt: a
refresh shows on the next view. Another person never gets the reader's kept figures, and the door
answers every visit."""

import re

from django.urls import reverse

from liaison.insights import services
from tests import factories as f

HOUSEHOLDS = re.compile(r'Households</span>\s*<span class="tile-value">(\d+)<')


def _dashboard(client, **params):
    response = client.get(reverse("insights:dashboard"), params)
    assert response.status_code == 200
    return response.content.decode()


def _households(html):
    return int(HOUSEHOLDS.search(html).group(1))


def test_a_rollup_refresh_shows_on_the_kept_dashboard(client, world):
    client.force_login(world.admin)
    assert "Figures are being prepared" in _dashboard(client)
    assert "Figures are being prepared" in _dashboard(client)  # the kept figures
    services.refresh_all()
    counted = _households(_dashboard(client))
    assert counted > 0
    # A family added: counted once the rollups are rebuilt (a full refresh: the incremental one
    # starts from the families with new facts).
    f.GuardianFactory(household=f.HouseholdFactory(district=world.district, name="New household"))
    services.refresh_all(full=True)
    assert _households(_dashboard(client)) == counted + 1


def test_another_person_never_gets_the_admins_kept_dashboard(client, world):
    services.refresh_all()
    district = {"scope": "district", "scope_id": world.district.pk}
    client.force_login(world.admin)
    _dashboard(client, **district)
    assert "Whole district" in _dashboard(client, **district)
    # The liaison gets their own caseload's figures, and the door still refuses the district.
    client.force_login(world.liaison)
    html = _dashboard(client)
    assert "Caseload of" in html and "Whole district" not in html
    assert client.get(reverse("insights:dashboard"), district).status_code == 404
