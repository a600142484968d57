"""Send the attendance nudges for a day (the import does this by itself), the positive notes for a
day's figures (Tier 1, once a month per child; the import does this too), or the school's
attendance message to every family (Tier 1, once a school year)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from liaison.attendance.nudges import send_days_nudges
from liaison.attendance.positive import send_positive_notes
from liaison.attendance.universal import Scope, send_attendance_message, sent_already
from liaison.messaging.outbox import zone
from liaison.people.models import District


class Command(BaseCommand):
    help = "Tell families of the children absent on a day (default: today), once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--district", required=True, help="the district's short name")
        parser.add_argument("--day", help="the school day, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--welcome",
            action="store_true",
            help="send the school's attendance message to every family instead (once a year)",
        )
        parser.add_argument(
            "--positive",
            action="store_true",
            help="send the positive notes for the day's figures instead (once a month per child)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        district = District.objects.filter(slug=options["district"]).first()
        if district is None:
            raise CommandError(f"No district has the short name “{options['district']}”.")
        if options["welcome"]:
            # Once a school year: a second run sends nothing, and must not say it sent.
            already = sent_already(Scope(district))
            if already is not None:
                sent_on = already.created_at.astimezone(zone(district.time_zone)).date()
                self.stdout.write(
                    f"Already sent this school year, on {sent_on.isoformat()} to "
                    f"{already.recipient_count} guardians; nothing was sent."
                )
                return
            message = send_attendance_message(district=district)
            if message is None:
                self.stdout.write("No family can be sent messages.")
            else:
                self.stdout.write(
                    f"The attendance message is sent to {message.recipient_count} guardians."
                )
            return
        if options["day"]:
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError:
                raise CommandError(
                    f"--day: “{options['day']}” is not a date; write it as YYYY-MM-DD."
                ) from None
        else:
            day = timezone.now().astimezone(zone(district.time_zone)).date()
        if options["positive"]:
            praised = send_positive_notes(district=district, as_of=day)
            self.stdout.write(
                f"{day.isoformat()}: {praised.sent} families sent a positive note about "
                f"{praised.students} children."
            )
            for line in praised.skipped_in_words():
                self.stdout.write(f"No note ({line})")
            return
        result = send_days_nudges(district=district, day=day)
        self.stdout.write(
            f"{day.isoformat()}: {result.sent} families told about {result.students} children."
        )
        for line in result.skipped_in_words():
            self.stdout.write(f"Not told ({line})")
