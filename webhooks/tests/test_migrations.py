"""The rename of the event types to SPEC §8's names reaches endpoints registered before it."""

from __future__ import annotations

import importlib

from django.apps import apps

from testsupport import World
from webhooks.models import Endpoint
from webhooks.services import endpoint_create

rename = importlib.import_module("webhooks.migrations.0003_spec_event_names").rename


def test_old_event_names_are_renamed_once(world: World) -> None:
    endpoint = endpoint_create(url="http://127.0.0.1:9/x", events=["agreement.invited"], acting_user=world.school_admin)
    old = ["agreement.invited", "termination.requested", "termination.approved", "agreement.terminated"]
    Endpoint.objects.filter(pk=endpoint.pk).update(events=old)
    rename(apps, None)
    endpoint.refresh_from_db()
    assert endpoint.events == ["agreement.invited", "agreement.termination_requested", "agreement.terminated"]
