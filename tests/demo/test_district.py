"""The demo district: synthetic, deterministic, and re-running it changes nothing."""

from django.core.management import call_command

from liaison.demo import district as demo
from liaison.people.models import Guardian, Household, Student, User


def test_demo_builds_once_and_then_changes_nothing(db, capsys):
    call_command("demo", households=60, students=90, seed=7)
    counts = (
        Household.objects.count(),
        Guardian.objects.count(),
        Student.objects.count(),
        User.objects.count(),
    )
    latest = max(Guardian.objects.values_list("updated_at", flat=True))
    call_command("demo", households=60, students=90, seed=7)
    assert counts == (
        Household.objects.count(),
        Guardian.objects.count(),
        Student.objects.count(),
        User.objects.count(),
    )
    assert max(Guardian.objects.values_list("updated_at", flat=True)) == latest
    out = capsys.readouterr().out
    assert "nothing changed" in out and "liaison" in out and demo.DEMO_PASSWORD in out


def test_demo_has_every_role_and_a_realistic_language_mix(db):
    demo.build_demo(seed=7, households=300, students=450)
    assert Student.objects.count() == 450 and Household.objects.count() == 300
    roles = set(
        User.objects.filter(memberships__isnull=False).values_list("memberships__role", flat=True)
    )
    assert roles == {"district_admin", "site_leader", "liaison", "teacher", "interpreter"}
    languages = list(Guardian.objects.values_list("preferred_language", flat=True))
    share_not_english = sum(1 for lang in languages if lang != "en") / len(languages)
    assert 0.2 < share_not_english < 0.45
    assert {"es", "ar", "vi", "so", "ht"} <= set(languages)
    assert all(
        g.phone.startswith("+1") and g.phone[5:10] == "55501" for g in Guardian.objects.all()
    )


def test_demo_is_deterministic(db):
    from django.db import transaction

    def build_and_read():
        with transaction.atomic():
            demo.build_demo(seed=11, households=40, students=50)
            rows = list(
                Guardian.objects.order_by("household__name", "given_name", "phone").values_list(
                    "given_name", "family_name", "preferred_language", "phone"
                )
            )
            transaction.set_rollback(True)
        return rows

    first = build_and_read()
    assert first and first == build_and_read()


def test_demo_has_services_an_upcoming_event_and_concerns_for_the_liaisons_caseload(db):
    from django.utils import timezone

    from liaison.concerns.models import Concern, ConcernNote, Contact
    from liaison.events.models import Event, Invitation
    from liaison.resources.models import Service

    district = demo.build_demo(seed=7, households=60, students=90)
    liaison = User.objects.get(username="liaison")
    caseload = set(
        Household.objects.filter(assignments__staff=liaison).values_list("pk", flat=True)
    )
    assert Service.objects.exists()
    upcoming = Event.objects.filter(district=district, starts_at__gt=timezone.now()).get()
    assert upcoming.capacity == 40 and upcoming.childcare_offered
    assert set(upcoming.interpretation) == {"es", "ar"}
    invited = set(Invitation.objects.filter(event=upcoming).values_list("household_id", flat=True))
    assert invited == caseload
    assert Invitation.objects.filter(event=upcoming, answer__in=["yes", "maybe"]).count() >= 3
    past = Event.objects.filter(district=district, title="Coffee with the principal").get()
    assert past.ends_at < timezone.now()
    assert Invitation.objects.filter(event=past, checked_in_at__isnull=False).exists()
    # The liaison's own concerns (beside the year's history across the district).
    concerns = Concern.objects.filter(district=district, household_id__in=caseload)
    statuses = set(concerns.values_list("status", flat=True))
    # One still waiting to be taken up: new, or routed to the liaison at once (triage).
    assert {"in_progress", "resolved"} <= statuses and statuses & {"new", "assigned"}
    assert ConcernNote.objects.filter(concern__in=concerns, restricted=True).exists()
    assert {"call", "home_visit"} <= set(Contact.objects.values_list("kind", flat=True))
    # Built once: a second build adds nothing.
    counts = Event.objects.count(), Concern.objects.count(), Contact.objects.count()
    demo.build_demo(seed=7, households=60, students=90)
    assert (Event.objects.count(), Concern.objects.count(), Contact.objects.count()) == counts


def test_the_shipped_demo_directory_is_the_tested_synthetic_sample():
    from pathlib import Path

    from liaison.demo.resources import DEMO_PACKAGE

    sample = Path(__file__).resolve().parents[1] / "resources" / "data" / "sample"
    shipped = {p.name: p.read_bytes() for p in DEMO_PACKAGE.glob("*.csv")}
    assert shipped and shipped == {p.name: p.read_bytes() for p in sample.glob("*.csv")}


def test_every_demo_family_has_a_number_of_its_own_and_one_is_offered_for_the_portal(db):
    from django.db.models import Count

    from liaison.demo import district as demo
    from liaison.people.models import Guardian
    from liaison.portal.forms import SignInForm
    from liaison.portal.services import guardian_for

    demo.build_demo(seed=5, households=120, students=180)
    shared = (
        Guardian.objects.exclude(phone="")
        .values("phone")
        .annotate(households=Count("household", distinct=True))
        .filter(households__gt=1)
    )
    assert not shared.exists()  # a number shared across households signs nobody in
    family = demo.portal_example()
    assert family is not None
    form = SignInForm({"contact": family.phone})
    assert form.is_valid()
    assert guardian_for(form.cleaned_data["contact"]) == family
