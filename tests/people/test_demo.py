"""The demo district: synthetic, deterministic, and re-running it changes nothing."""

from django.core.management import call_command

from liaison.people import demo
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
