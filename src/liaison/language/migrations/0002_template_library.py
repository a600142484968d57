"""The shipped template library: nine notices in English with draft translations into ten languages.

Drafts count as machine translations until a district's translator approves each one in the app.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "templates.json"


def placeholders(text):
    import re

    names = re.findall(r"\{(\w+)(?:,\s*plural)?", text)
    return list(dict.fromkeys(names))


def load(apps, schema_editor):
    MessageTemplate = apps.get_model("language", "MessageTemplate")
    TemplateTranslation = apps.get_model("language", "TemplateTranslation")
    for item in json.loads(DATA.read_text(encoding="utf-8")):
        template, _ = MessageTemplate.objects.update_or_create(
            district=None,
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "source_language": item["source_language"],
                "subject": item["subject"],
                "body": item["body"],
                "placeholders": placeholders(item["subject"] + " " + item["body"]),
            },
        )
        for language, text in item["translations"].items():
            TemplateTranslation.objects.update_or_create(
                template=template,
                district=None,
                language=language,
                defaults={"subject": text["subject"], "body": text["body"], "status": "draft"},
            )


def unload(apps, schema_editor):
    apps.get_model("language", "MessageTemplate").objects.filter(district=None).delete()


class Migration(migrations.Migration):
    dependencies = [("language", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
