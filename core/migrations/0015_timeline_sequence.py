"""流程追踪's one shape (core.models.timeline.TimelineEvent): each event's place in its object's history.

Existing events are numbered in the order they were recorded (created_at, id), per agreement and per 去向."""

from django.db import migrations, models

NUMBER = """
UPDATE {table} SET sequence = ranked.n
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY {owner} ORDER BY created_at, id) AS n FROM {table}) AS ranked
WHERE ranked.id = {table}.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0014_employer_credit_code_live"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreementevent",
            name="sequence",
            field=models.PositiveIntegerField(default=0, verbose_name="序号"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="destinationevent",
            name="sequence",
            field=models.PositiveIntegerField(default=0, verbose_name="序号"),
            preserve_default=False,
        ),
        migrations.RunSQL(NUMBER.format(table="core_agreementevent", owner="agreement_id"), migrations.RunSQL.noop),
        migrations.RunSQL(NUMBER.format(table="core_destinationevent", owner="destination_id"), migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="destinationevent",
            name="old_status",
            field=models.CharField(blank=True, max_length=24),
        ),
        migrations.AlterField(
            model_name="destinationevent",
            name="new_status",
            field=models.CharField(blank=True, max_length=24),
        ),
        migrations.AlterField(
            model_name="destinationevent",
            name="actor_role",
            field=models.CharField(blank=True, max_length=20, verbose_name="角色"),
        ),
        migrations.AddConstraint(
            model_name="agreementevent",
            constraint=models.UniqueConstraint(fields=("agreement", "sequence"), name="event_sequence_once"),
        ),
        migrations.AddConstraint(
            model_name="destinationevent",
            constraint=models.UniqueConstraint(
                fields=("destination", "sequence"), name="destination_event_sequence_once"
            ),
        ),
    ]
