"""The evidence of 本人确认 (issue 20 item 3): kept per bound act beside its 流程追踪 event, shown to the parties
(how and when) and in full to the graduate and the school (credential or masked phone, address), kept
EVIDENCE_RETENTION_YEARS whatever happens to the agreement, then removed by `manage.py purge_evidence`, which says
what it removed."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings

from core.models import Confirmation
from testsupport import ApiClient, LoginAs, World, confirm, invite

pytestmark = pytest.mark.django_db


def test_the_timeline_marks_the_act_and_each_viewer_reads_what_is_theirs(
    world: World, login_as: LoginAs, client: Client
) -> None:
    agreement = world.reach("college_review")
    evidence = Confirmation.objects.get()
    assert evidence.agreement_event == agreement.events.get(action="accept")

    employer_page = login_as(world.employer).get(f"/employer/agreements/{agreement.pk}/").content.decode()
    assert "本人确认（短信验证码）" in employer_page
    assert "验证码发送至" not in employer_page  # the employer sees that and when, not where from
    reviewer_page = login_as(world.college_admin).get(f"/school/agreements/{agreement.pk}/").content.decode()
    assert "本人确认（短信验证码）" in reviewer_page and f"验证码发送至 {evidence.sms_phone}" in reviewer_page

    api = ApiClient(Client())
    api.login(world.employer)
    events = api.get(f"/agreements/{agreement.pk}").json()["events"]
    marked = [e for e in events if e["confirmation"]]
    assert [e["action"] for e in marked] == ["accept"]
    assert marked[0]["confirmation"]["method"] == "sms" and marked[0]["confirmation"]["details"] == ""
    api.login(world.school_admin)
    accept = next(e for e in api.get(f"/agreements/{agreement.pk}").json()["events"] if e["action"] == "accept")
    assert evidence.sms_phone in accept["confirmation"]["details"]


def test_evidence_outlives_the_agreement_and_goes_after_the_retention_years(world: World) -> None:
    agreement = world.reach("college_review")
    evidence = Confirmation.objects.get()
    # The agreement ends (解约 by the school's review after the employer's request): its evidence stays.
    from core.services import agreements as wf

    wf.agreement_approve(agreement, acting_user=world.college_admin)
    wf.agreement_approve(agreement, acting_user=world.school_admin)
    wf.termination_request(agreement, reason="岗位调整", acting_user=world.employer)
    wf.termination_accept(
        agreement,
        acting_user=world.student.user,
        confirmation=confirm(world.student.user, "termination/accept", agreement),
    )
    wf.termination_approve(agreement, acting_user=world.school_admin)
    assert Confirmation.objects.filter(pk=evidence.pk, used_at__isnull=False).exists()
    assert evidence.subject.startswith(world.student.name) and evidence.object_id == agreement.pk
    assert evidence.used_at is not None
    Confirmation.objects.exclude(pk=evidence.pk).update(used_at=evidence.used_at + datetime.timedelta(days=10))

    out = io.StringIO()
    with time_machine.travel(evidence.used_at + datetime.timedelta(days=365 * 3 - 2)):
        call_command("purge_evidence", stdout=out)
    assert Confirmation.objects.filter(pk=evidence.pk).exists()
    assert "已删除超过3年的本人确认证据 0 条" in out.getvalue()

    out = io.StringIO()
    with time_machine.travel(evidence.used_at + datetime.timedelta(days=365 * 3 + 2)):
        call_command("purge_evidence", stdout=out)
    assert not Confirmation.objects.filter(pk=evidence.pk).exists()
    assert "已删除超过3年的本人确认证据 1 条" in out.getvalue()
    assert f"最早一条的操作时间 {evidence.used_at:%Y-%m-%d}" in out.getvalue()


@override_settings(EVIDENCE_RETENTION_YEARS=5)
def test_the_retention_is_a_setting_and_unused_confirmations_go_after_a_day(world: World) -> None:
    from core.services.confirmations import confirmation_start

    agreement = world.reach("college_review")
    evidence = Confirmation.objects.get()
    user = world.other_student.user
    assert user is not None
    (offer,) = invite(world.other_employer, world.other_student)
    unused, _ = confirmation_start(user, "accept", offer.pk)
    out = io.StringIO()
    with time_machine.travel(evidence.used_at + datetime.timedelta(days=365 * 4)):  # type: ignore[operator]
        call_command("purge_evidence", stdout=out)
    assert Confirmation.objects.filter(pk=evidence.pk).exists()  # five years now
    assert not Confirmation.objects.filter(pk=unused.pk).exists()
    assert "已删除超过5年的本人确认证据 0 条；已删除未用于任何操作的本人确认 1 条" in out.getvalue()
    assert agreement.pk


def test_the_public_verification_shows_the_graduates_confirmation(world: World, client: Client) -> None:
    agreement = world.reach("effective")
    page = client.get(f"/verify/{agreement.verification_code}").content.decode()
    assert "毕业生本人确认（短信验证码" in page
    answer = ApiClient(Client()).get(f"/verify/{agreement.verification_code}").json()
    assert answer["confirmed_by"] == "sms" and answer["confirmed_at"]
