"""Install Argos Translate language packages from .argosmodel files the operator provides.

Never contacts Argos's package index: only the files given (or found in the folder) are installed.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from liaison.language.engines import EngineRefused, argos


class Command(BaseCommand):
    help = "Install .argosmodel files (a folder or files) for the Argos Translate engine."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help=".argosmodel files or folders holding them")

    def handle(self, *args, paths, **options):
        files = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files += sorted(path.glob("*.argosmodel"))
            elif path.suffix == ".argosmodel" and path.exists():
                files.append(path)
            else:
                raise CommandError(f"{raw} is not an .argosmodel file or a folder of them")
        if not files:
            raise CommandError("No .argosmodel files found.")
        try:
            done = argos.install_models(files)
        except argos.DamagedModels as exc:
            for name in exc.done:
                self.stdout.write(f"installed {name}")
            raise CommandError(
                f"{exc}. Nothing else changed; download those again and rerun this command."
            ) from None
        except EngineRefused as exc:
            raise CommandError(str(exc)) from None
        for name in done:
            self.stdout.write(f"installed {name}")
        self.stdout.write(f"Argos keeps them in {argos.models_folder()}.")
