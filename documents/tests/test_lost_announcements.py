"""An agreement event committed by a process that died before its on-commit announcement (SIGKILL between the
COMMIT and the hooks: `make test-cluster` lost a document this way) is announced later by `events_announce`: the
document is issued, and nothing is made twice. In these tests the on-commit hooks of the action are not run, which
is exactly what the dead process left behind."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from core.models import AgreementEvent, EventAnnouncement
from core.services import agreements as wf
from core.services.events import events_announce_lost
from documents.models import AgreementDocument
from testsupport import World

pytestmark = pytest.mark.django_db


def _approve_and_die(world: World) -> AgreementEvent:
    agreement = world.reach("school_review")
    EventAnnouncement.objects.all().delete()  # the earlier steps' announcements are not this test's
    wf.agreement_approve(agreement, acting_user=world.school_admin)  # its on-commit hooks never run
    event = AgreementEvent.objects.filter(agreement=agreement).latest("sequence")
    assert list(EventAnnouncement.objects.values_list("event_id", flat=True)) == [event.pk]
    assert not AgreementDocument.objects.filter(agreement=agreement).exists()
    return event


@override_settings(EVENT_ANNOUNCE_GRACE_SECONDS=60)
def test_an_event_lost_with_its_process_is_announced_after_the_grace(
    world: World,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    event = _approve_and_die(world)
    out = io.StringIO()
    assert events_announce_lost() == 0  # within the grace its own process may still be announcing it
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("events_announce", stdout=out)
    assert "announced 1 lost event(s)" in out.getvalue()
    (document,) = AgreementDocument.objects.filter(agreement_id=event.agreement_id)
    assert document.state == AgreementDocument.State.READY and document.kind == AgreementDocument.Kind.EFFECTIVE
    assert not EventAnnouncement.objects.exists()
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(seconds=600)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert events_announce_lost() == 0  # announced once
    assert AgreementDocument.objects.filter(agreement_id=event.agreement_id).count() == 1


def test_an_event_announced_twice_makes_one_document(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    """A request slower than the grace: its own announcement and the job's both run; subscribers are idempotent."""
    event = _approve_and_die(world)
    with django_capture_on_commit_callbacks(execute=True):
        from core.services.events import _announce

        _announce(event.pk, event.agreement_id, event.action)
        EventAnnouncement.objects.create(event=event)  # as if the job had read the row before the request deleted it
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
            assert events_announce_lost() == 1
    assert AgreementDocument.objects.filter(agreement_id=event.agreement_id).count() == 1


def test_a_committed_action_clears_its_announcement(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    agreement = world.reach("school_review")
    with django_capture_on_commit_callbacks(execute=True):
        wf.agreement_approve(agreement, acting_user=world.school_admin)
    approved = AgreementEvent.objects.filter(agreement=agreement).latest("sequence")
    assert not EventAnnouncement.objects.filter(event=approved).exists()
    assert AgreementDocument.objects.filter(agreement=agreement).count() == 1
