"""Today's older names for core.kept's versions, for the models and jobs that import them:
`changed(district_id)` makes every kept part of a district stale (Today's queues among them),
`TodayWrites` is `core.kept.KeptWrites`."""

from liaison.core.kept import KeptWrites as TodayWrites
from liaison.core.kept import changed

__all__ = ["TodayWrites", "changed"]
