"""Households already indexed gain their guardians' phone suffixes (the last 4, 5 and 6 digits),
so that search finds them by the last digits of a number without waiting for an edit."""

import re

from django.db import migrations

SUFFIX_LENGTHS = (4, 5, 6)


def add_suffixes(apps, schema_editor):
    Guardian = apps.get_model("people", "Guardian")
    SearchTerm = apps.get_model("people", "SearchTerm")
    rows = Guardian.objects.values_list(
        "household_id", "household__district_id", "phone", "alt_phone"
    ).iterator(chunk_size=5000)
    batch = []
    for household_id, district_id, *numbers in rows:
        for number in numbers:
            digits = re.sub(r"\D", "", number or "")
            national = digits[1:] if digits.startswith("1") and len(digits) == 11 else digits
            for n in SUFFIX_LENGTHS:
                if len(national) > n:
                    batch.append(
                        SearchTerm(
                            household_id=household_id,
                            term=national[-n:],
                            district_id_copy=district_id,
                        )
                    )
        if len(batch) >= 5000:
            SearchTerm.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    SearchTerm.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("people", "0007_alter_site_kind")]

    operations = [migrations.RunPython(add_suffixes, migrations.RunPython.noop)]
