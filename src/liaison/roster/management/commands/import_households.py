"""`liaison import-households PATH --district SLUG [--dry-run]`: the simple households CSV import."""

from liaison.roster.choices import RunKind
from liaison.roster.management.commands.import_oneroster import Command as OneRosterCommand


class Command(OneRosterCommand):
    help = __doc__
    kind = RunKind.HOUSEHOLDS
