"""Endpoints registered before the event types followed SPEC §8 keep receiving what they subscribed to."""

from django.db import migrations

RENAMED = {
    "termination.requested": "agreement.termination_requested",
    "termination.answered": "agreement.termination_answered",
    "termination.approved": "agreement.terminated",  # a 解约 the school approved is the agreement terminated
}


def rename(apps, schema_editor):
    Endpoint = apps.get_model("webhooks", "Endpoint")
    for endpoint in Endpoint.objects.all():
        events = list(dict.fromkeys(RENAMED.get(event, event) for event in endpoint.events))
        if events != endpoint.events:
            endpoint.events = events
            endpoint.save(update_fields=["events"])


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_circuit_breaker")]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
