from typing import Any

from django.db import migrations, models


def hide_unless_chosen(apps: Any, schema_editor: Any) -> None:
    """Schools that never set 显示报到证信息 themselves had it on only because that was the default: they get the new
    default (off: 报到证 were abolished from the 2023 graduates on). A school that chose it in 学校设置 keeps it."""
    School = apps.get_model("core", "School")
    SchoolSettingsChange = apps.get_model("core", "SchoolSettingsChange")
    chose = {
        change.school_id
        for change in SchoolSettingsChange.objects.only("school_id", "changes")
        if isinstance(change.changes, dict) and "show_dispatch_fields" in change.changes
    }
    School.objects.exclude(pk__in=chose).update(show_dispatch_fields=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_notices"),
    ]

    operations = [
        migrations.AlterField(
            model_name="school",
            name="show_dispatch_fields",
            field=models.BooleanField(default=False, verbose_name="显示报到证信息"),
        ),
        migrations.RunPython(hide_unless_chosen, migrations.RunPython.noop),
    ]
