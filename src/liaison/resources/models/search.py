"""Search listings: one row per service at a location (or per service with no location), denormalised
for the full-text index. The text index itself is backend-specific (see resources/search.py and
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

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"], name="listing_lat_lon")]

    def __str__(self):
        return self.name_text


class Opening(models.Model):
    """Weekly opening hours of a listing as minutes of the week (Monday 00:00 = 0) in its zone."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="openings")
    time_zone = models.CharField(max_length=64)
    starts = models.PositiveIntegerField()
    ends = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["listing", "starts"], name="opening_listing_starts")]

    def __str__(self):
        return f"{self.listing_id} {self.starts}-{self.ends}"
