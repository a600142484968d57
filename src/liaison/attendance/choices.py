"""Attendance's enumerations: Ed-Fi's attendance event categories, the tiers, where a file came from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Ed-Fi's AttendanceEventCategoryDescriptor values, in words."""

    IN_ATTENDANCE = "in_attendance", _("In attendance")
    EXCUSED_ABSENCE = "excused_absence", _("Excused absence")
    UNEXCUSED_ABSENCE = "unexcused_absence", _("Unexcused absence")
    TARDY = "tardy", _("Late arrival")
    EARLY_DEPARTURE = "early_departure", _("Early departure")
    PARTIAL = "partial", _("Partial day")


# The categories that count towards days absent: a whole day each, or a part by the district's rule.
WHOLE_DAY_ABSENCES = (Category.EXCUSED_ABSENCE, Category.UNEXCUSED_ABSENCE)
PART_DAY_ABSENCES = (Category.EARLY_DEPARTURE, Category.PARTIAL)


class Tier(models.IntegerChoices):
    """Attendance Works' tiers of support."""

    UNIVERSAL = 1, _("Tier 1: universal")
    EARLY = 2, _("Tier 2: early support")
    INTENSIVE = 3, _("Tier 3: intensive support")


class ImportKind(models.TextChoices):
    EVENTS = "events", _("Attendance events")
    CALENDAR = "calendar", _("School calendar")


class ImportSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded on the Imports page")
    COMMAND = "command", _("Command line")
    DROP_FOLDER = "drop_folder", _("Drop folder")


class ImportMode(models.TextChoices):
    """What an events file stands for: whole days, or corrections for the students it lists."""

    DAYS = "days", _("Complete days: each school and date in the file replaces that day")
    CORRECTIONS = (
        "corrections",
        _("Corrections: only the listed students' days are replaced, the rest of the day is kept"),
    )


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    DONE_WITH_ERRORS = "done_with_errors", _("Done, some rows refused")
    FAILED = "failed", _("Failed")
