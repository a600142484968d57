"""Calendar helpers shared by the attendance tests."""

import datetime as dt
from collections.abc import Iterator


def weekdays(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every Monday to Friday from start to end (inclusive)."""
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)
