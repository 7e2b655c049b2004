"""生源导入 moved onto core.models.Job (issue 18, one job model): RosterImportJob goes.

Its rows are dropped, not carried: a finished job's row holds counts and row errors only (the students it wrote
stay), a running one's worker code is gone, and a preview is re-made by uploading the file again. Each stored
upload (students' personal data) is deleted with its row.
"""

from django.db import migrations


def delete_uploads(apps, schema_editor):  # type: ignore[no-untyped-def]
    RosterImportJob = apps.get_model("school", "RosterImportJob")
    for job in RosterImportJob.objects.exclude(file="").only("file"):
        try:
            job.file.storage.delete(job.file.name)
        except Exception:  # an unreachable storage must not stop the upgrade; the row goes anyway
            pass


class Migration(migrations.Migration):
    dependencies = [("school", "0002_one_import_per_school")]

    operations = [
        migrations.RunPython(delete_uploads, migrations.RunPython.noop),
        migrations.DeleteModel(name="RosterImportJob"),
    ]
