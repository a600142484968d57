"""The OneRoster import: its stages in order, each in one transaction, timed."""

import time

from django.db import transaction

from liaison.roster.oneroster.check import Outcome
from liaison.roster.oneroster.enrolments import import_classes, import_enrollments
from liaison.roster.oneroster.orgs import import_orgs, import_sessions
from liaison.roster.oneroster.store import ImportRun
from liaison.roster.oneroster.users import import_users


class OneRosterImport(ImportRun):
    def run(self) -> Outcome:
        stages = [
            ("orgs", import_orgs),
            ("academic sessions", import_sessions),
            ("users", import_users),
            ("classes", import_classes),
            ("enrollments", import_enrollments),
            ("households", ImportRun.finish),
        ]
        for i, (label, stage) in enumerate(stages):
            self.progress(label, int(100 * i / len(stages)))
            began = time.perf_counter()
            with transaction.atomic():
                stage(self)
            self.out.seconds[label] = round(time.perf_counter() - began, 2)
        self.progress("done", 100)
        return self.out
