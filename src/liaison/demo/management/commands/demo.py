"""`liaison demo`: build the synthetic demo district and print its sign-ins."""

from django.conf import settings
from django.core.management.base import BaseCommand

from liaison.demo import district as demo
from liaison.people.models import District


class Command(BaseCommand):
    help = "Build the synthetic demo district (Riverton Public Schools). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="only when the database has no district yet"
        )
        parser.add_argument("--households", type=int, default=2000)
        parser.add_argument("--students", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, if_empty=False, households=2000, students=3000, seed=None, **options):

        if if_empty and District.objects.exclude(slug=demo.DEMO_SLUG).exists():
            self.stdout.write("The database already holds a district; the demo was not built.")
            return
        if demo.demo_exists():
            self.stdout.write("The demo district is already there; nothing changed.")
        else:
            self.stdout.write(
                f"Building the demo district ({households} households, {students} students)..."
            )
            demo.build_demo(
                seed=seed if seed is not None else settings.LIAISON_DEMO_SEED,
                households=households,
                students=students,
            )
            self.stdout.write(self.style.SUCCESS("Demo district built."))
        self.stdout.write(f"\nSign in at {settings.PUBLIC_URL}/ as:")
        for username, password, role in demo.sign_ins():
            self.stdout.write(f"  {username:<12} {password}   {role}")
        family = demo.portal_example()
        if family is not None:
            self.stdout.write(
                f"\nThe family portal is at {settings.PUBLIC_URL}/family/: sign in as "
                f"{family.full_name} ({family.household.name}) with {family.phone}. Without an SMS "
                "account, texts (the sign-in code too) are printed where `make run` runs."
            )
