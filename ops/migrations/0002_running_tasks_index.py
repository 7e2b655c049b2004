from django.db import migrations


class Migration(migrations.Migration):
    """Workers look for RUNNING jobs past their lease every few seconds; the queue table holds every job for a month
    (pruned by the scheduler), so that look-up needs an index of its own: a partial one, a few rows in size."""

    dependencies = [
        ("ops", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX ops_running_tasks ON django_tasks_database_dbtaskresult (started_at) "
            "WHERE status = 'RUNNING'",
            "DROP INDEX ops_running_tasks",
        ),
    ]
