"""Run by test_nudges_bulk.py in a subprocess: two runs of a day's nudges race on the production
SQLite configuration (a file database in LIAISON_DATA_DIR: WAL, busy_timeout, IMMEDIATE)."""

import json
import os
import sys

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tests.attendance.test_nudges_bulk import _district, race  # noqa: E402

call_command("migrate", verbosity=0)
district, families = _district(12)
connection.close()
print(json.dumps(race(district, families)))
