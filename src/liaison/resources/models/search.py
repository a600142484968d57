"""Search listings: one row per service at a location (or per service with no location), denormalised
for the full-text index. A listing's id says which map cell it lies in (search.cell_of). The text index itself is backend-specific (see resources/search/index.py and
migration 0002): an FTS5 table on SQLite, a generated tsvector column with a GIN index on PostgreSQL."""

from django.db import models


class Listing(models.Model):
    service = models.ForeignKey(
        "resources.Service", on_delete=models.CASCADE, related_name="listings"
    )
    location = models.ForeignKey(
        "resources.Location", null=True, on_delete=models.CASCADE, related_name="listings"
    )
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    time_zone = models.CharField(max_length=64)
    minimum_age = models.PositiveSmallIntegerField(null=True)
    maximum_age = models.PositiveSmallIntegerField(null=True)
    name_text = models.TextField()
    body_text = models.TextField()
    facet_text = models.TextField()
    # No index on hours or coordinates: searches find listings by id (see search.area_sql), and
    # every index here is one more to write 50,000 times in a rebuild.
    hours = models.ForeignKey(
        "resources.HoursPattern", null=True, on_delete=models.SET_NULL, db_index=False
    )

    def __str__(self):
        return self.name_text


class HoursPattern(models.Model):
    """A weekly opening pattern in one zone, shared by every listing open at those hours, so that
    "open now" is one short list of pattern ids however large the directory is."""

    time_zone = models.CharField(max_length=64)
    spec = models.CharField(max_length=500)  # "0:540-1020 1:540-1020": day:start-end, minutes

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["time_zone", "spec"], name="hours_pattern_unique")
        ]

    def __str__(self):
        return f"{self.time_zone} {self.spec}"

    def intervals(self) -> list[tuple[int, int]]:
        """(start, end) minutes of the week, Monday 00:00 = 0."""
        out = []
        for part in self.spec.split():
            day, span = part.split(":")
            start, end = span.split("-")
            out.append((int(day) * 1440 + int(start), int(day) * 1440 + int(end)))
        return out
