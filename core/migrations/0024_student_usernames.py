"""Every school's 学号 space is its own: a student's account is named `<院校代码>:<学号>` (core.usernames)."""

from django.db import migrations

BATCH = 5000


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("core", "User")
    Student = apps.get_model("core", "Student")
    rows = Student.objects.filter(user__isnull=False).exclude(user__username__contains=":")
    while True:
        batch = list(rows.values_list("user_id", "school__code", "student_no")[:BATCH])
        if not batch:
            return
        users = [User(pk=user_id, username=f"{code}:{number}") for user_id, code, number in batch]
        User.objects.bulk_update(users, ["username"])


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Only where the bare 学号 is free again (one school's students, or no other account of that name).
    User = apps.get_model("core", "User")
    Student = apps.get_model("core", "Student")
    for user_id, number in Student.objects.filter(user__username__contains=":").values_list("user_id", "student_no"):
        if not User.objects.filter(username=number).exists():
            User.objects.filter(pk=user_id).update(username=number)


class Migration(migrations.Migration):
    dependencies = [("core", "0023_known_addresses")]
    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
