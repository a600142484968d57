"""What the roster app adds to the household page: merging and splitting households."""

from django.utils.translation import gettext_lazy as _

from liaison.core import pages
from liaison.core.policy import roster as policy


def register() -> None:
    pages.add_action(
        "household",
        _("Merge households"),
        "roster:household_merge",
        order=80,
        ask=policy.can_arrange_household,
    )
    pages.add_action(
        "household",
        _("Split household"),
        "roster:household_split",
        order=81,
        ask=policy.can_arrange_household,
    )
