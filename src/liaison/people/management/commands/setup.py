"""`liaison setup`: a real district on day one — the district, its sites and its first admin."""

import getpass
import io
import os
import secrets
import sys

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from liaison.people.choices import SiteKind
from liaison.people.models import District
from liaison.people.services import set_up_district

# What the operator typed, to name it in an error.
OPTION = {
    "name": "--district",
    "slug": "--short-name",
    "time_zone": "--time-zone",
    "contact_phone": "--contact-phone",
    "contact_email": "--contact-email",
    "sites": "--site",
    "admin_username": "--admin",
    "admin_email": "--admin-email",
    "admin_password": "password",
}
KINDS = {k.value.replace("_", "-"): k.value for k in SiteKind}


def site_argument(value: str) -> tuple[str, str]:
    """'Lincoln Middle' or 'Little Oaks Centre=early-childhood'."""
    name, _, kind = value.partition("=")
    kind = kind.strip().lower() or "school"
    return name.strip(), KINDS.get(kind, kind.replace("-", "_"))


class Command(BaseCommand):
    help = (
        "Set up a district: its name, time zone and family contact line, its sites, and its first "
        "district admin with an authenticator app. Asks for what is not given, unless --no-input."
    )

    def add_arguments(self, parser):
        parser.add_argument("--district", help="the district's name, e.g. 'Riverside Unified'")
        parser.add_argument("--short-name", default="", help="its short name in URLs and commands")
        parser.add_argument(
            "--time-zone",
            default="",
            help=f"e.g. America/Los_Angeles (default {settings.TIME_ZONE})",
        )
        parser.add_argument("--contact-phone", default="", help="the line families call")
        parser.add_argument("--contact-email", default="", help="the address families write to")
        parser.add_argument(
            "--site",
            action="append",
            type=site_argument,
            default=[],
            metavar="NAME[=KIND]",
            help="a school or centre (repeat for each); KIND is one of " + ", ".join(KINDS),
        )
        parser.add_argument("--admin", help="the first admin's sign-in name")
        parser.add_argument("--admin-email")
        parser.add_argument("--admin-name", default="", help="given and family name")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="ask nothing; the password comes from LIAISON_SETUP_PASSWORD or is generated",
        )

    def handle(self, *args, **o):
        interactive = not o["no_input"] and sys.stdin.isatty()
        if District.objects.exists() and not o["district"] and not interactive:
            raise CommandError("A district exists already; name the new one with --district.")

        def ask(key, question, default=""):
            if o.get(key) or not interactive:
                return o.get(key) or default
            shown = f" [{default}]" if default else ""
            return input(f"{question}{shown}: ").strip() or default

        name = ask("district", "District name")
        time_zone = ask("time_zone", "Time zone", settings.TIME_ZONE)
        phone = ask("contact_phone", "Family contact line (phone, optional)")
        email = ask("contact_email", "Family contact email (optional)")
        sites = list(o["site"])
        while interactive and not o["site"]:
            answer = input("A site (name, or name=kind; empty when done): ").strip()
            if not answer:
                break
            sites.append(site_argument(answer))
        username = ask("admin", "First admin's sign-in name")
        admin_email = ask("admin_email", "Their email")
        given, _, family = ask("admin_name", "Their name").partition(" ")
        password, generated = self._password(interactive)
        try:
            made = set_up_district(
                name=name,
                slug=o["short_name"],
                time_zone=time_zone,
                contact_phone=phone,
                contact_email=email,
                sites=sites,
                admin_username=username,
                admin_email=admin_email,
                admin_first_name=given,
                admin_last_name=family,
                admin_password=password,
            )
        except ValidationError as e:
            lines = [
                f"  {OPTION.get(field, field)}: {' '.join(msgs)}"
                for field, msgs in e.message_dict.items()
            ]
            raise CommandError("Nothing was set up:\n" + "\n".join(lines)) from None
        self._report(made, password if generated else None)

    def _password(self, interactive) -> tuple[str, bool]:
        if env := os.environ.get("LIAISON_SETUP_PASSWORD"):
            return env, False
        if interactive:
            while True:
                first = getpass.getpass("Their password: ")
                if first and first == getpass.getpass("Again: "):
                    return first, False
                self.stderr.write("The two passwords differ (or are empty); again.")
        return secrets.token_urlsafe(12), True

    def _report(self, made, password):
        w = self.stdout.write
        d = made.district
        w(self.style.SUCCESS(f"{d.name} is set up (short name {d.slug}, time zone {d.time_zone})."))
        w("Sites: " + "; ".join(f"{s.name} ({s.get_kind_display()})" for s in made.sites))
        w(f"\nFirst admin: {made.admin.username}")
        if password:
            w(f"Password (shown once, change it after signing in): {password}")
        w("\nTheir authenticator app: scan this code, or enter the key by hand.")
        code = io.StringIO()
        segno.make(made.totp_url, error="m").terminal(out=code, compact=True)
        w(code.getvalue())
        w(f"Key: {made.totp_secret}")
        w("Recovery codes (each works once; keep them safe): " + " ".join(made.recovery_codes))
        w(f"\nSign in at {settings.PUBLIC_URL}/ — then bring in the families:")
        w("  liaison import-oneroster BUNDLE.zip              (from the SIS, OneRoster 1.2 CSV)")
        w(f"  liaison import-households FILE.csv --district {d.slug}   (the households CSV)")
        w("The households template is at Imports once signed in; its sites are the ones above.")
