from django.conf import settings
from django.db import migrations
from django.db.models import Count, F
from django.db.models.functions import Mod


def count_existing_students(apps, schema_editor):
    """The roster count joins the counters (metric `students`): fill it from the students already there."""
    Student = apps.get_model("core", "Student")
    StatsCounter = apps.get_model("core", "StatsCounter")
    slots = max(1, settings.WANGQIAN_STATS_SLOTS)
    key = ("school_id", "graduation_year", "college_id", "major_id", "slot")
    rows = Student.objects.annotate(slot=Mod(F("id"), slots)).order_by().values(*key).annotate(n=Count("*"))
    StatsCounter.objects.filter(metric="students").delete()
    StatsCounter.objects.bulk_create(
        (
            StatsCounter(
                school_id=r["school_id"],
                graduation_year=r["graduation_year"],
                college_id=r["college_id"],
                major_id=r["major_id"],
                metric="students",
                slot=r["slot"],
                n=r["n"],
            )
            for r in rows.iterator()
        ),
        batch_size=1000,
    )


def forget_students(apps, schema_editor):
    apps.get_model("core", "StatsCounter").objects.filter(metric="students").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0039_attachment_retired_replaced"),
    ]

    operations = [
        migrations.RunPython(count_existing_students, forget_students),
    ]
