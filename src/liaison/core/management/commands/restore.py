"""`liaison restore PATH`: put a backup made by `liaison backup` into an empty database."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `liaison backup` into the configured database, which must be "
        "empty (--force replaces what it holds). Then run `liaison migrate` (a backup from an "
        "older version) and `liaison refresh_insights --full`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace everything in a database that is not empty",
        )

    def handle(self, *args: Any, path: Path, force: bool, **options: Any) -> None:
        try:
            kind = restore(path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored the {kind} database from {path}.")
