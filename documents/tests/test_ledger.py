"""The ledger (issue 21 item 3): every event is chained in its own transaction, and `audit_verify` reports a row
edited, deleted or inserted by hand in the database at the right place; checkpoints are signed and checked.

The hand edits are raw SQL, as an operator with database access would make them; they run on SQLite and, with
DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import io
import itertools
import json
import threading
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from core.models import Agreement, AgreementEvent, DestinationEvent, SchoolSettingsChange
from core.models.ledger import GENESIS_HASH, LedgerCheckpoint, LedgerEntry, LedgerHead, ledger_seal_pending
from core.services import agreements as wf
from core.services.employers import employer_verify
from core.services.ledger import (
    AGREEMENT_EVENT,
    DESTINATION_EVENT,
    EMPLOYER_VERIFICATION,
    SCHOOL_SETTINGS,
    canonical,
    chain_hash,
    ledger_adopt,
    verify_chain,
)
from core.services.schools import school_update_settings
from documents.checkpoints import checkpoint_check, checkpoint_create
from testsupport import World, confirm, invite, make_college, make_employer, make_school, make_student


def audit() -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def first_bad_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("第一处不符"))


def sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def entry_of(kind: str, object_id: int) -> LedgerEntry:
    return LedgerEntry.objects.get(kind=kind, object_id=object_id)


@pytest.fixture
def history(world: World) -> World:
    """A bit of everything the chain records: an agreement's whole life, a 去向, a settings change, a 资质审核."""
    world.reach("effective")
    world.reach("invited", student=world.other_student)
    school_update_settings(world.school, {"invitation_validity_days": 10}, acting_user=world.school_admin)
    pending = make_employer(verified=False, licence=True)
    employer_verify(pending.employer.pk, approve=True, acting_user=world.school_admin)
    ledger_seal_pending()  # PostgreSQL seals at COMMIT, which the test's transaction never reaches
    return world


def test_every_kind_of_event_is_chained_in_order(history: World) -> None:
    entries = list(LedgerEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(len(entries)))
    assert entries[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
        assert after.hash == chain_hash(before.hash, after.content)
    kinds = {e.kind for e in entries}
    assert {AGREEMENT_EVENT, DESTINATION_EVENT, SCHOOL_SETTINGS, EMPLOYER_VERIFICATION} <= kinds
    assert LedgerEntry.objects.filter(kind=AGREEMENT_EVENT).count() == AgreementEvent.objects.count()
    assert LedgerEntry.objects.filter(kind=DESTINATION_EVENT).count() == DestinationEvent.objects.count()
    assert LedgerEntry.objects.filter(kind=SCHOOL_SETTINGS).count() == SchoolSettingsChange.objects.count()
    head = LedgerHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)


def test_content_names_people_by_id_never_by_username(history: World) -> None:
    student_user = history.student.user
    assert student_user is not None
    for entry in LedgerEntry.objects.all():
        assert student_user.username not in entry.content
        assert history.employer.username not in entry.content
    accepted = AgreementEvent.objects.get(action="accept", actor=student_user)
    content = json.loads(entry_of(AGREEMENT_EVENT, accepted.pk).content)
    assert content["actor"] == student_user.pk and content["action"] == "accept"


def test_untouched_database_verifies_clean(history: World) -> None:
    ok, output = audit()
    assert ok, output
    assert "全部相符" in output


def test_hand_update_of_an_event_row_is_reported_at_its_ledger_row(history: World) -> None:
    event = AgreementEvent.objects.filter(action="accept").get()
    sql(f"UPDATE {AgreementEvent._meta.db_table} SET remark = %s WHERE id = %s", ["学生本人同意", event.pk])
    ok, output = audit()
    assert not ok
    seq = entry_of(AGREEMENT_EVENT, event.pk).seq
    assert first_bad_line(output) == f"第一处不符：账本第 {seq} 行：协议流程追踪 #{event.pk} 的内容与账本不符（被改动）"


def test_hand_update_of_a_destination_event_is_reported(history: World) -> None:
    event = DestinationEvent.objects.order_by("pk").first()
    assert event is not None
    sql(f"UPDATE {DestinationEvent._meta.db_table} SET code = %s WHERE id = %s", ["46", event.pk])
    ok, output = audit()
    assert not ok
    assert f"账本第 {entry_of(DESTINATION_EVENT, event.pk).seq} 行" in first_bad_line(output)


def test_hand_delete_of_an_event_row_is_reported_at_its_ledger_row(history: World) -> None:
    event = AgreementEvent.objects.filter(action="college_approve").order_by("pk").first()
    assert event is not None
    seq = entry_of(AGREEMENT_EVENT, event.pk).seq
    sql(f"DELETE FROM {connection.ops.quote_name('core_notification')} WHERE event_id = %s", [event.pk])
    sql(f"DELETE FROM {AgreementEvent._meta.db_table} WHERE id = %s", [event.pk])
    ok, output = audit()
    assert not ok
    assert first_bad_line(output) == f"第一处不符：账本第 {seq} 行：协议流程追踪 #{event.pk} 已从数据库删除"


def test_hand_insert_of_an_event_row_is_reported(history: World) -> None:
    agreement_id = AgreementEvent.objects.values_list("agreement_id", flat=True).first()
    sql(
        f"INSERT INTO {AgreementEvent._meta.db_table} (agreement_id, sequence, actor_name, actor_role, action,"
        " action_label, remark, old_status, new_status, created_at)"
        " VALUES (%s, 99, %s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP)",
        [agreement_id, "某辅导员", "college_admin", "accept", "学生接受邀约", "", "invited", "college_review"],
    )
    inserted = AgreementEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    ok, output = audit()
    assert not ok
    assert first_bad_line(output) == f"第一处不符：账本之外：协议流程追踪 #{inserted} 不在账本中（直接写入数据库）"


def test_hand_edit_of_the_ledger_itself_is_reported(history: World) -> None:
    target = LedgerEntry.objects.get(seq=3)
    sql(
        f"UPDATE {LedgerEntry._meta.db_table} SET content = %s WHERE id = %s",
        [target.content.replace('"remark":""', '"remark":"x"'), target.pk],
    )
    ok, output = audit()
    assert not ok
    assert first_bad_line(output).startswith("第一处不符：账本第 3 行：本行哈希与内容不符")


def test_deleting_a_ledger_row_with_its_event_is_reported_at_the_gap(history: World) -> None:
    entry = LedgerEntry.objects.filter(kind=AGREEMENT_EVENT).order_by("seq")[2]
    sql(f"DELETE FROM {connection.ops.quote_name('core_notification')} WHERE event_id = %s", [entry.object_id])
    sql(f"DELETE FROM {AgreementEvent._meta.db_table} WHERE id = %s", [entry.object_id])
    sql(f"DELETE FROM {LedgerEntry._meta.db_table} WHERE id = %s", [entry.pk])
    ok, output = audit()
    assert not ok
    assert f"账本第 {entry.seq} 行至第 {entry.seq} 行缺失" in first_bad_line(output)


def test_a_rewritten_chain_is_caught_by_the_signed_checkpoint(history: World) -> None:
    checkpoint = checkpoint_create()
    assert checkpoint is not None and checkpoint_check(checkpoint) is None
    # Someone edits an event and recomputes every later hash, head included: only the checkpoint still knows.
    event = AgreementEvent.objects.filter(action="accept").get()
    sql(f"UPDATE {AgreementEvent._meta.db_table} SET remark = %s WHERE id = %s", ["改过", event.pk])
    from core.services.ledger import content_of

    prev = GENESIS_HASH
    for entry in LedgerEntry.objects.order_by("seq"):
        if entry.kind == AGREEMENT_EVENT and entry.object_id == event.pk:
            entry.content = content_of(AGREEMENT_EVENT, AgreementEvent.objects.get(pk=event.pk))
        entry.prev_hash, entry.hash = prev, chain_hash(prev, entry.content)
        entry.save()
        prev = entry.hash
    LedgerHead.objects.filter(pk=1).update(hash=prev)
    report = verify_chain(check_signature=checkpoint_check)
    assert report.problems
    assert report.problems[0].message.startswith(f"检查点 #{checkpoint.pk}（截至第 {checkpoint.seq} 行）与重算的链不符")


def test_checkpoint_is_signed_and_checked(history: World) -> None:
    checkpoint = checkpoint_create()
    assert checkpoint is not None
    head = LedgerHead.objects.get(pk=1)
    assert (checkpoint.seq, checkpoint.hash) == (head.seq, head.hash)
    assert checkpoint_check(checkpoint) is None
    assert checkpoint_create() is None  # nothing new since: the hourly run signs nothing
    ok, output = audit()
    assert ok and "检查点 1 个" in output, output
    assert LedgerCheckpoint.objects.get(pk=checkpoint.pk).verified_at is not None

    forged = json.loads(checkpoint.statement)
    forged["time"] = "2026-01-01T00:00:00+00:00"  # a checkpoint back-dated by hand
    LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(statement=canonical(forged))
    checkpoint.refresh_from_db()
    assert checkpoint_check(checkpoint) == "签名值校验失败"
    ok, output = audit()
    assert not ok and "签名无效" in output


def test_adopting_rows_written_before_the_chain(world: World) -> None:
    world.reach("effective")
    ledger_seal_pending()
    LedgerEntry.objects.all().delete()
    LedgerHead.objects.filter(pk=1).update(seq=-1, hash=GENESIS_HASH)
    ok, output = audit()
    assert not ok and "不在账本中" in output
    assert ledger_adopt() == AgreementEvent.objects.count() + DestinationEvent.objects.count()
    ok, output = audit()
    assert ok, output


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    school = make_school()
    college = make_college(school)
    employer = make_employer()
    students = [make_student(college) for _ in range(8)]
    agreements = [invite(employer, student)[0] for student in students]
    tokens = [
        confirm(student.user, "accept", agreement) for student, agreement in zip(students, agreements, strict=True)
    ]
    barrier = threading.Barrier(len(agreements))
    errors: list[str] = []

    def accept(index: int) -> None:
        try:
            barrier.wait()
            user = students[index].user
            assert user is not None
            wf.agreement_accept(agreements[index].pk, acting_user=user, confirmation=tokens[index])
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(agreements))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    evidence = LedgerEntry.objects.filter(kind="confirmation_evidence").count()
    assert evidence == len(agreements)  # each acceptance's 本人确认
    assert LedgerEntry.objects.count() == AgreementEvent.objects.count() + DestinationEvent.objects.count() + evidence
    report = verify_chain()
    assert report.ok, report.problems


def test_the_scheduler_signs_a_checkpoint_every_hour() -> None:
    from ops.scheduler import JOBS

    assert any(job.command == "ledger_checkpoint" and job.every_seconds == 3600 for job in JOBS)


@pytest.mark.django_db(transaction=True)
def test_an_append_never_deadlocks_with_the_workflows_row_locks() -> None:
    """A transition appends its event, then locks another row (an approval writes the 去向 and the counters after
    its event); another transaction holds that row and appends its own event. Were the head locked at append, each
    would wait for the other (PostgreSQL would kill one: a 500). Sealed at COMMIT, both go through."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: no two of them can wait for each other")
    from django.db import transaction

    from core.services.events import record_event

    school = make_school()
    employer = make_employer()
    college = make_college(school)
    first, second = (invite(employer, make_student(college))[0] for _ in range(2))
    barrier = threading.Barrier(2, timeout=10)
    errors: list[str] = []

    def appends_then_locks() -> None:
        try:
            with transaction.atomic():
                record_event(first, "modify", actor=None, old_status=first.status)
                barrier.wait()
                Agreement.objects.select_for_update().get(pk=second.pk)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    def locks_then_appends() -> None:
        try:
            with transaction.atomic():
                Agreement.objects.select_for_update().get(pk=second.pk)
                barrier.wait()
                record_event(second, "modify", actor=None, old_status=second.status)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=appends_then_locks), threading.Thread(target=locks_then_appends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert verify_chain().ok


def test_the_province_page_shows_the_last_verified_checkpoint(history: World, login_as: Any) -> None:
    from core.models import Province, Role
    from testsupport import make_user

    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([history.school])
    admin = make_user("ln_audit", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")
    client = login_as(admin)
    assert "尚无核验通过的检查点" in client.get("/province/").content.decode()
    checkpoint = checkpoint_create()
    assert checkpoint is not None
    assert "尚无核验通过的检查点" in client.get("/province/").content.decode()  # signed, not yet verified
    ok, _ = audit()
    assert ok
    page = client.get("/province/").content.decode()
    assert f"最近核验通过的检查点：第 {checkpoint.pk} 号，截至账本第 {checkpoint.seq} 行" in page
    assert checkpoint.hash in page


def test_the_scheduler_verifies_the_chain_daily() -> None:
    from ops.scheduler import JOBS

    assert any(job.command == "audit_verify" and job.every_seconds == 86_400 for job in JOBS)


def test_an_acceptances_evidence_is_chained_and_an_edit_of_it_reported(history: World) -> None:
    from core.models.confirmations import Confirmation
    from core.models.ledger import CONFIRMATION_EVIDENCE

    accepted = AgreementEvent.objects.get(action="accept")
    evidence = Confirmation.objects.get(agreement_event=accepted)
    entry = entry_of(CONFIRMATION_EVIDENCE, evidence.pk)
    content = json.loads(entry.content)
    assert content["agreement_event"] == accepted.pk and content["method"] == evidence.method
    assert content["binding"] == evidence.binding
    assert "address" not in entry.content  # the client's address stays with the evidence, which is purged
    ok, _ = audit()
    assert ok
    sql(f"UPDATE {Confirmation._meta.db_table} SET method = %s WHERE id = %s", ["passkey", evidence.pk])
    ok, output = audit()
    assert not ok
    assert (
        first_bad_line(output)
        == f"第一处不符：账本第 {entry.seq} 行：本人确认证据 #{evidence.pk} 的内容与账本不符（被改动）"
    )


def test_an_evidence_row_deleted_by_hand_is_reported_but_not_one_purged_after_the_retention(history: World) -> None:
    import datetime

    import time_machine

    from core.models.confirmations import Confirmation
    from core.models.ledger import CONFIRMATION_EVIDENCE

    evidence = Confirmation.objects.get(agreement_event__action="accept")
    entry = entry_of(CONFIRMATION_EVIDENCE, evidence.pk)
    ok, _ = audit()
    assert ok
    sql(f"DELETE FROM {Confirmation._meta.db_table} WHERE id = %s", [evidence.pk])
    ok, output = audit()
    assert not ok
    assert first_bad_line(output) == f"第一处不符：账本第 {entry.seq} 行：本人确认证据 #{evidence.pk} 已从数据库删除"
    # Past EVIDENCE_RETENTION_YEARS from the act, the row may be gone: that is what purge_evidence does.
    assert evidence.used_at is not None
    with time_machine.travel(evidence.used_at.replace(year=evidence.used_at.year + 3) + datetime.timedelta(days=1)):
        ok, output = audit()
    assert ok, output
