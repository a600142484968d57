"""Pages of a list without COUNT(*) when the first page already holds all of it."""

from typing import Any

from django.core.paginator import Page, Paginator


class OnePassPaginator(Paginator[Any]):
    """A Paginator whose first page reads its rows before counting: when fewer than a page come
    back, that is the count, and the COUNT(*) query is never run (most caseloads and inboxes fit
    on one page). Other pages, and a full first page, count as Django's Paginator does."""

    def get_page(self, number: int | float | str | None) -> Page[Any]:
        if number not in (None, "", 1, "1") or self.orphans:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.__dict__["count"] = len(rows)  # fills the cached_property
        return Page(rows[: self.per_page], 1, self)
