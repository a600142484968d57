"""Attendance's hooks: the import announces the days it replaced; measures, tiers and nudges listen."""

from django.dispatch import Signal

# Sent by the import after a file's events are saved: district, site_ids (ints), days (dates).
day_imported = Signal()
