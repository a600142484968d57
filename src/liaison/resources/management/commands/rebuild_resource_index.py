"""`liaison rebuild_resource_index`: rebuild the directory's search listings and text index."""

import time

from django.core.management.base import BaseCommand

from liaison.resources import search


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        start = time.perf_counter()
        count = search.rebuild()
        self.stdout.write(
            self.style.SUCCESS(f"{count} listings indexed in {time.perf_counter() - start:.1f} s")
        )
