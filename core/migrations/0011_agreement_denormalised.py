"""Agreement carries its student's 毕业年度 and name; list indexes that match each tab and filter."""

from django.db import migrations, models

# One set-based statement for every agreement (a million rows in seconds on PostgreSQL, SQLite ≥ 3.33 too); the
# college is copied again as well, since a roster import could leave it behind its student's.
BACKFILL = """
UPDATE core_agreement
   SET graduation_year = s.graduation_year, student_name = s.name, college_id = s.college_id
  FROM core_student AS s
 WHERE s.id = core_agreement.student_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_dispatch_fields_hidden_by_default"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="agreement",
            name="agreement_employer_list",
        ),
        migrations.RemoveIndex(
            model_name="agreement",
            name="agreement_school_list",
        ),
        migrations.AddField(
            model_name="agreement",
            name="graduation_year",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="毕业年度"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="agreement",
            name="student_name",
            field=models.CharField(default="", max_length=50, verbose_name="学生姓名"),
            preserve_default=False,
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(
                fields=["employer", "-invited_at", "-id"],
                include=("status", "graduation_year", "school"),
                name="agreement_employer_list",
            ),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(
                fields=["school", "-invited_at", "-id"],
                include=("status", "graduation_year", "college"),
                name="agreement_school_list",
            ),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(
                fields=["college", "-invited_at", "-id"],
                include=("status", "graduation_year"),
                name="agreement_college_list",
            ),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(fields=["school", "graduation_year", "status"], name="agreement_school_year"),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(fields=["employer", "status"], name="agreement_employer_status"),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(fields=["employer", "graduation_year", "status"], name="agreement_employer_year"),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(
                fields=["employer", "student_name"],
                name="agreement_employer_name",
                opclasses=["", "varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(
                fields=["school", "student_name"], name="agreement_school_name", opclasses=["", "varchar_pattern_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="employer",
            index=models.Index(fields=["verification_status"], name="employer_verification"),
        ),
        migrations.AddIndex(
            model_name="student",
            index=models.Index(fields=["id_number"], name="student_id_number"),
        ),
    ]
