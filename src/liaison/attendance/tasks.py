"""Background work of attendance's outreach: scoring a whole district again."""

from typing import Any

from django.tasks import task

from liaison.attendance import atrisk


@task()
def refresh_district_scores(district_id: int) -> Any:
    """Every student's at-risk score again (after the district changed the points)."""
    return atrisk.refresh_scores(district=district_id)
