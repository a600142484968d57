"""A concern's history keeps what a change says as parts put in words for each reader (ConcernChange.
parts). Earlier rows that say a concern was raised ("Bullying or safety · High · Family portal") or
a note was added are given their parts where their words are known labels in a staff language;
others keep their words as written."""

from django.conf import settings
from django.db import migrations, models
from django.utils import translation


def _labels(choices) -> dict[str, str]:
    found: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for member in choices:
                found.setdefault(str(member.label), member.value)
    return found


def words_to_parts(apps, schema_editor):
    from liaison.concerns.choices import Source, Urgency

    ConcernChange = apps.get_model("concerns", "ConcernChange")
    urgencies, sources = _labels(Urgency), _labels(Source)
    notes: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            notes.setdefault(translation.gettext("note"), "note")
            notes.setdefault(translation.gettext("confidential note"), "confidential")
    changed = []
    rows = ConcernChange.objects.filter(action__in=["raised", "note"], parts=[])
    for change in rows.select_related("concern__category"):
        if change.action == "note":
            if change.new in notes:
                change.parts = [{"note": notes[change.new]}]
                changed.append(change)
            continue
        pieces = change.new.split(" · ")
        if len(pieces) != 3 or pieces[1] not in urgencies or pieces[2] not in sources:
            continue
        category = change.concern.category
        change.parts = [
            {"category": [category.code, category.label]}
            if pieces[0] == category.label
            else {"text": pieces[0]},
            {"urgency": urgencies[pieces[1]]},
            {"source": sources[pieces[2]]},
        ]
        changed.append(change)
    ConcernChange.objects.bulk_update(changed, ["parts"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("concerns", "0008_history_values_as_codes")]

    operations = [
        migrations.AddField(
            model_name="concernchange",
            name="parts",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(words_to_parts, migrations.RunPython.noop),
    ]
