"""interface_language blank means "follow the browser"; the old default "en" becomes blank.

Until the staff pages honoured interface_language, "en" was only the default and the pages
followed Accept-Language; clearing it keeps every existing person's pages as they were.
"""

from django.db import migrations, models


def clear_default_english(apps, schema_editor):
    apps.get_model("people", "User").objects.filter(interface_language="en").update(
        interface_language=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="interface_language",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The language of the staff pages for this person; blank follows the browser.",
                max_length=35,
                verbose_name="interface language",
            ),
        ),
        migrations.RunPython(clear_default_english, migrations.RunPython.noop),
    ]
