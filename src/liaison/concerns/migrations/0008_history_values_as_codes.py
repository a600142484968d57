"""A concern's history stored a changed status, urgency, reason for closing or satisfaction in the
words of whoever made the change ("Esperando a la familia" for every later reader): the services
now store the choice's value, shown in the reader's language. Rows written before are given their
value too, where their words are a choice's label in a language staff pages are drawn in."""

from django.conf import settings
from django.db import migrations
from django.utils import translation

FIELDS = ("status", "urgency", "closed_reason", "satisfaction")


def _choices():
    from liaison.concerns.choices import ClosedReason, Satisfaction, Status, Urgency

    return {
        "status": Status,
        "urgency": Urgency,
        "closed_reason": ClosedReason,
        "satisfaction": Satisfaction,
    }


def words_to_values(apps, schema_editor):
    ConcernChange = apps.get_model("concerns", "ConcernChange")
    values: dict[str, dict[str, str]] = {}
    for field, choices in _choices().items():
        found = values.setdefault(field, {})
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for member in choices:
                    found.setdefault(str(member.label), member.value)
    changed = []
    for change in ConcernChange.objects.filter(field__in=FIELDS).only("field", "old", "new"):
        old = values[change.field].get(change.old, change.old)
        new = values[change.field].get(change.new, change.new)
        if (old, new) != (change.old, change.new):
            change.old, change.new = old, new
            changed.append(change)
    ConcernChange.objects.bulk_update(changed, ["old", "new"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("concerns", "0007_contact_result")]

    operations = [migrations.RunPython(words_to_values, migrations.RunPython.noop)]
