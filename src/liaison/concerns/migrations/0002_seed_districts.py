"""Give districts that existed before this app the standard categories and service targets."""

from django.db import migrations

CATEGORIES = [
    ("academic", "Academic"),
    ("attendance", "Attendance"),
    ("behaviour", "Behaviour"),
    ("bullying_safety", "Bullying or safety"),
    ("special_education", "Special education"),
    ("health", "Health"),
    ("basic_needs", "Basic needs"),
    ("conflict_staff", "Conflict with staff"),
    ("transport", "Transport"),
    ("other", "Other"),
]
TARGETS = {"urgent": 24, "high": 72, "normal": 168, "low": 336}


def seed(apps, schema_editor):
    District = apps.get_model("people", "District")
    Category = apps.get_model("concerns", "ConcernCategory")
    Target = apps.get_model("concerns", "ServiceTarget")
    for district in District.objects.all():
        for i, (code, label) in enumerate(CATEGORIES):
            Category.objects.get_or_create(
                district=district, code=code, defaults={"label": label, "order": i * 10}
            )
        for urgency, hours in TARGETS.items():
            Target.objects.get_or_create(district=district, urgency=urgency, defaults={"hours": hours})


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
