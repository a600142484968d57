"""What the people app adds to the household page: the record entries of the timeline."""

from django.utils.translation import gettext_lazy as _

from liaison.core import pages, policy
from liaison.core.pages import TimelineEntry


def record_entries(household, user, *, before=None, limit=25):
    """When the family and its members were added to Liaison."""
    rows = [(household.created_at, _("Household record created"), household.name)]
    rows += [(g.created_at, _("Guardian added"), g.full_name) for g in household.guardians.all()]
    rows += [
        (s.created_at, _("Student added"), s.full_name)
        for s in policy.visible_students(user, household)
    ]
    for at, title, summary in rows:
        if before is None or at < before:
            yield TimelineEntry(at=at, kind="record", title=str(title), summary=summary)


def register() -> None:
    # What the page reads that belongs to no family: the district (its time zone), the children's
    # sites, the team's staff and the viewer's own roles (the policy's questions).
    pages.add_tables(
        "household", ("people.District", "people.Site", "people.User", "people.Membership")
    )
    # Whoever opens the page sees when the family came in; the students are those they may see.
    pages.add_timeline("household", "record", _("Records"), record_entries, ask=pages.page_opened)
