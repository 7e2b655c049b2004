"""佐证材料 kept EVIDENCE_RETENTION_YEARS (issue 20 item 3): a 去向's proof the student deletes, a 营业执照 scan the
employer replaces, a paper agreement's scan after its withdrawal or 解约, the files of a student deleted from the
roster — each stays in storage, readable by the auditors, for the retention years from when it stopped being current,
and `manage.py purge_evidence` (daily) removes it only after that, saying what it removed per kind, with the bytes."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from core.calendar import school_time
from core.models import Attachment, Destination, Province, RetiredLicence, Role, Status, User
from core.services import agreements as wf
from core.services.destinations import destination_attach, destination_detach, destination_update
from core.services.licences import employer_upload_licence
from testsupport import ApiClient, LoginAs, World, confirm, make_employer, make_user, register_paper

pytestmark = pytest.mark.django_db

PROOF = b"%PDF-1.4\n% offer letter\n%%EOF\n"
DAY = datetime.timedelta(days=1)


def years_later(moment: datetime.datetime, years: int = 3) -> datetime.datetime:
    return moment.replace(year=moment.year + years)


def purge(at: datetime.datetime) -> str:
    out = io.StringIO()
    with time_machine.travel(at, tick=False):
        call_command("purge_evidence", stdout=out)
    return out.getvalue()


def files_line(proofs: int = 0, scans: int = 0, licences: int = 0, size: int = 0, years: int = 3) -> str:
    return (
        f"已删除停用超过{years}年的佐证材料：毕业去向证明材料 {proofs} 个、纸质协议扫描件 {scans} 个、"
        f"营业执照扫描件 {licences} 个，共 {size} 字节"
    )


@pytest.fixture
def province_admin(world: World) -> User:
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    return make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")


def proof_attached(world: World) -> Attachment:
    user = world.student.user
    destination_update({"code": "80", "school_name": "东北大学", "programme": "法学"}, acting_user=user)
    return destination_attach(name="录取通知书.pdf", content=PROOF, acting_user=user)


def test_a_detached_proof_is_kept_for_the_auditors_then_purged(
    world: World, login_as: LoginAs, province_admin: User
) -> None:
    attachment = proof_attached(world)
    stored = attachment.file.name
    detached_at = timezone.now()
    destination_detach(attachment.pk, acting_user=world.student.user)
    destination = Destination.objects.get()
    assert default_storage.exists(stored)
    assert list(destination.attachments.all()) == []  # gone from the 去向 as it counts and shows

    student = login_as(world.student)
    own_page = student.get("/student/destination/").content.decode()
    assert 'id="attachment-empty"' in own_page and "已删除的证明材料" not in own_page
    assert student.get(f"/attachments/{attachment.pk}/").status_code == 404
    reviewer = login_as(world.college_admin)
    page = reviewer.get(f"/school/destinations/{destination.pk}/").content.decode()
    assert "已删除的证明材料（留存备查）" in page and "录取通知书.pdf" in page and "学生已删除" in page
    assert f"留存至 {school_time(years_later(detached_at), world.school, '%Y-%m-%d')}" in page
    assert reviewer.get(f"/attachments/{attachment.pk}/").content == PROOF
    assert login_as(world.other_college_admin).get(f"/attachments/{attachment.pk}/").status_code == 404
    province = login_as(province_admin)
    assert "录取通知书.pdf" in province.get(f"/province/destinations/{destination.pk}/").content.decode()
    assert province.get(f"/attachments/{attachment.pk}/").content == PROOF
    assert login_as(world.other_school_admin).get(f"/attachments/{attachment.pk}/").status_code == 404

    assert files_line() in purge(years_later(detached_at) - DAY)
    assert default_storage.exists(stored) and Attachment.kept.filter(pk=attachment.pk).exists()
    assert files_line(proofs=1, size=len(PROOF)) in purge(years_later(detached_at) + DAY)
    assert not default_storage.exists(stored) and not Attachment.kept.filter(pk=attachment.pk).exists()


def test_a_replaced_licence_is_kept_for_the_reviewer_then_purged(world: World, login_as: LoginAs) -> None:
    hr = make_employer("沈阳新注册科技有限公司", verified=False, licence=True)
    employer = hr.employer
    first = employer.licence.name
    first_bytes = default_storage.open(first, "rb").read()
    replaced_at = timezone.now()
    employer_upload_licence(name="新执照.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 64, acting_user=hr)
    employer.refresh_from_db()
    assert employer.licence.name != first and default_storage.exists(first)
    kept = RetiredLicence.objects.get()
    assert (kept.employer, kept.credit_code, kept.name) == (employer, employer.credit_code, "营业执照.pdf")

    reviewer = login_as(world.school_admin)
    page = reviewer.get(f"/school/employers/{employer.pk}/").content.decode()
    assert "此前上传并已被替换的扫描件（留存备查）" in page and "营业执照.pdf" in page
    assert reviewer.get(f"/school/employers/{employer.pk}/licences/{kept.pk}/").content == first_bytes
    other = make_employer("别家单位", verified=False, licence=True).employer
    assert reviewer.get(f"/school/employers/{other.pk}/licences/{kept.pk}/").status_code == 404

    assert files_line() in purge(years_later(replaced_at) - DAY)
    assert default_storage.exists(first)
    out = purge(years_later(replaced_at) + DAY)
    assert files_line(licences=1, size=len(first_bytes)) in out
    assert not default_storage.exists(first) and not RetiredLicence.objects.exists()
    employer.refresh_from_db()
    assert default_storage.exists(employer.licence.name)  # the current scan is never purged


@pytest.mark.parametrize("ending", ["withdraw", "terminate"])
def test_a_paper_scan_stays_with_its_ended_agreement_then_goes(world: World, login_as: LoginAs, ending: str) -> None:
    student = world.student.user
    agreement = register_paper(world.student)
    (scan,) = agreement.attachments.all()
    if ending == "withdraw":
        wf.agreement_withdraw(agreement, acting_user=student)
    else:
        wf.agreement_approve(agreement, acting_user=world.school_admin)
        wf.termination_request(
            agreement, reason="个人原因", acting_user=student, confirmation=confirm(student, "termination", agreement)
        )
        wf.termination_approve(agreement, acting_user=world.school_admin)
    agreement.refresh_from_db()
    assert agreement.status in (Status.WITHDRAWN, Status.TERMINATED)
    ended_at = agreement.events.order_by("-created_at").values_list("created_at", flat=True)[0]
    # Still the agreement's scan, on its pages, for its parties.
    assert login_as(world.student).get(f"/attachments/{scan.pk}/").status_code == 200

    assert files_line() in purge(years_later(ended_at) - DAY)
    assert default_storage.exists(scan.file.name)
    assert files_line(scans=1, size=scan.size) in purge(years_later(ended_at) + DAY)
    assert not default_storage.exists(scan.file.name) and not Attachment.kept.filter(pk=scan.pk).exists()
    gone = ApiClient(Client()).login(student).get(f"/agreements/{agreement.pk}/document")
    assert gone.status_code == 404 and "扫描件已按佐证材料留存期限删除" in gone.json()["detail"]


def test_an_effective_paper_agreements_scan_is_never_purged(world: World) -> None:
    agreement = register_paper(world.student)
    wf.agreement_approve(agreement, acting_user=world.school_admin)
    (scan,) = agreement.attachments.all()
    assert files_line() in purge(years_later(timezone.now(), 10))
    assert default_storage.exists(scan.file.name)


def test_a_deleted_students_proofs_are_kept_for_the_school_then_purged(
    world: World, login_as: LoginAs, province_admin: User
) -> None:
    # A 去向 with a version cannot be deleted (its current version is protected); its proof can be uploaded first.
    attachment = destination_attach(name="录取通知书.pdf", content=PROOF, acting_user=world.student.user)
    deleted_at = timezone.now()
    # No page deletes a student; whatever path does (the ORM, a future roster removal), the files stay.
    world.student.delete()
    kept = Attachment.kept.get(pk=attachment.pk)
    assert kept.destination_id is None and kept.retired_reason == Attachment.Retired.OWNER_DELETED
    assert kept.retired_at is not None and kept.subject.startswith("李明（")
    assert default_storage.exists(kept.file.name)
    assert login_as(world.school_admin).get(f"/attachments/{kept.pk}/").content == PROOF
    assert login_as(province_admin).get(f"/attachments/{kept.pk}/").content == PROOF
    assert login_as(world.college_admin).get(f"/attachments/{kept.pk}/").status_code == 404
    assert login_as(world.other_school_admin).get(f"/attachments/{kept.pk}/").status_code == 404
    # Listed where the auditors look for a student who has no page left: 留存佐证材料, the province's school page.
    until = school_time(years_later(deleted_at), world.school, "%Y-%m-%d")
    listed = login_as(world.school_admin).get("/school/evidence/").content.decode()
    assert "录取通知书.pdf" in listed and kept.subject in listed and "毕业去向证明材料" in listed and until in listed
    assert "录取通知书.pdf" not in login_as(world.other_school_admin).get("/school/evidence/").content.decode()
    assert login_as(world.college_admin).get("/school/evidence/").status_code in (302, 403)
    province_page = login_as(province_admin).get(f"/province/schools/{world.school.pk}/").content.decode()
    assert "已删除学生的佐证材料" in province_page and "录取通知书.pdf" in province_page and until in province_page

    assert files_line() in purge(years_later(deleted_at) - DAY)
    assert default_storage.exists(kept.file.name)
    assert files_line(proofs=1, size=len(PROOF)) in purge(years_later(deleted_at) + DAY)
    assert not default_storage.exists(kept.file.name)


@override_settings(EVIDENCE_RETENTION_YEARS=5)
def test_the_retention_of_files_is_the_setting(world: World) -> None:
    attachment = proof_attached(world)
    detached_at = timezone.now()
    destination_detach(attachment.pk, acting_user=world.student.user)
    assert files_line(years=5) in purge(years_later(detached_at, 5) - DAY)
    assert default_storage.exists(attachment.file.name)
    assert files_line(proofs=1, size=len(PROOF), years=5) in purge(years_later(detached_at, 5) + DAY)


def test_the_scheduler_purges_daily() -> None:
    from ops.scheduler import JOBS

    assert any(job.command == "purge_evidence" and job.every_seconds == 86_400 for job in JOBS)
