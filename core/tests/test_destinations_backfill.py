"""Agreements effective before 毕业去向登记 existed get their 去向 by `manage.py destinations_backfill`."""

from __future__ import annotations

import io

from django.core.management import call_command

from core.models import Destination, DestinationEvent, DestinationSource, DestinationStatus, DestinationVersion
from core.services.stats_counters import counters_diff, counters_rebuild
from testsupport import World


def test_an_effective_agreement_without_a_destination_gets_it_and_the_counters_follow(world: World) -> None:
    effective = world.reach("effective")
    world.reach("terminated", student=world.other_student)
    # The state of an installation upgraded in place: the agreement is effective, nobody set its 去向.
    Destination.objects.update(current=None)
    DestinationEvent.objects.all().delete()
    DestinationVersion.objects.all().delete()
    Destination.objects.all().delete()
    counters_rebuild()

    out = io.StringIO()
    call_command("destinations_backfill", stdout=out)
    assert "set 1 毕业去向" in out.getvalue()
    destination = Destination.objects.get()
    assert (destination.student_id, destination.agreement_id) == (world.student.pk, effective.pk)
    assert (destination.status, destination.source, destination.code) == (
        DestinationStatus.APPROVED,
        DestinationSource.AGREEMENT,
        "10",
    )
    assert counters_diff() == {}  # 落实 counted as a full recount says

    call_command("destinations_backfill", stdout=out)  # a second run changes nothing
    assert Destination.objects.count() == 1 and "set 0 毕业去向" in out.getvalue()
