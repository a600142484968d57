import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def mark_conflict_with_staff(apps, schema_editor):
    """Districts that already have the standard "Conflict with staff" category: it is about staff."""
    Category = apps.get_model("concerns", "ConcernCategory")
    Category.objects.filter(code="conflict_staff").update(about_staff=True)


class Migration(migrations.Migration):

    dependencies = [
        ('concerns', '0003_changed_since_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='concern',
            name='subject_staff',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='about (member of staff)'),
        ),
        migrations.AddField(
            model_name='concerncategory',
            name='about_staff',
            field=models.BooleanField(default=False, help_text='Concerns of this category are kept from teachers and interpreters.', verbose_name='about a member of staff'),
        ),
        migrations.RunPython(mark_conflict_with_staff, migrations.RunPython.noop),
    ]
