"""`liaison backup PATH`: a consistent copy of the database, taken while Liaison keeps working."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liaison.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup of the database to PATH: SQLite through its online backup API, PostgreSQL "
        "with pg_dump (custom format). Everything committed before it starts is in it. "
        "Uploaded files (LIAISON_MEDIA_ROOT) are not: copy that folder beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            kind = backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up the {kind} database to {path}.")
