"""One agreement's deliveries to one endpoint go in the order of its events."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0015_timeline_sequence'),
        ('webhooks', '0003_spec_event_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='agreement',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.agreement'),
        ),
        migrations.AddField(
            model_name='delivery',
            name='sequence',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        # Deliveries made before: their agreement and place from their event (a test message has none).
        migrations.RunSQL(
            """
            UPDATE webhooks_delivery SET
                agreement_id = (SELECT e.agreement_id FROM core_agreementevent e WHERE e.id = webhooks_delivery.event_id),
                sequence = (SELECT e.sequence FROM core_agreementevent e WHERE e.id = webhooks_delivery.event_id)
            WHERE event_id IS NOT NULL
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('state', 'pending')), fields=['endpoint', 'agreement', 'sequence', 'id'], name='webhook_delivery_queue'),
        ),
    ]
