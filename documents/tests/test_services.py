from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from core.models import Status
from core.services import agreements as wf
from documents import selectors, services
from documents.models import AgreementDocument
from documents.signing import verify_signature
from testsupport import confirm

from .conftest import save_pages

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_school_approval_issues_a_signed_document(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    agreement = world.reach("school_review")
    assert not AgreementDocument.objects.exists()  # nothing is issued before the school's approval
    with django_capture_on_commit_callbacks(execute=True):
        wf.agreement_approve(agreement, acting_user=world.school_admin)
    agreement.refresh_from_db()
    (document,) = AgreementDocument.objects.filter(agreement=agreement)
    assert document.state == AgreementDocument.State.READY and document.signed and document.is_current
    assert document.version == 1 and document.kind == AgreementDocument.Kind.EFFECTIVE
    pdf = services.document_content(document)
    assert len(document.sha256) == 64 and document.size == len(pdf)
    text = _text(pdf)
    terms = agreement.current_terms
    for expected in (
        agreement.number,
        agreement.employer.name,
        agreement.student.name,
        agreement.student.id_number,
        terms.position,
        "8,000",
        "学校审核通过",
        "-".join(agreement.verification_code[i : i + 4] for i in range(0, 12, 4)),
    ):
        assert expected in text, expected
    report = verify_signature(pdf)
    assert report.valid and report.trusted
    save_pages(pdf, "agreement-issued")


def test_termination_issues_a_new_version_and_supersedes_the_old(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        agreement = world.reach("effective")
    with django_capture_on_commit_callbacks(execute=True):
        wf.termination_request(
            agreement,
            reason="个人原因",
            acting_user=world.student.user,
            confirmation=confirm(world.student.user, "termination", agreement),
        )
        wf.termination_accept(agreement, acting_user=world.employer)
    assert AgreementDocument.objects.filter(agreement=agreement).count() == 1  # 解约 in progress: still valid
    with django_capture_on_commit_callbacks(execute=True):
        wf.termination_approve(agreement, acting_user=world.school_admin)
    first, second = AgreementDocument.objects.filter(agreement=agreement).order_by("version")
    assert first.kind == "effective" and first.superseded_at is not None
    assert second.kind == "terminated" and second.is_current and second.signed
    assert "已解约" in _text(services.document_content(second))


def test_request_is_idempotent(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        agreement = world.reach("effective")
        services.document_request(agreement.pk)
        services.document_request(agreement.pk)
    assert AgreementDocument.objects.filter(agreement=agreement).count() == 1


def test_download_before_approval_is_an_unsigned_draft(world) -> None:  # type: ignore[no-untyped-def]
    agreement = world.reach("school_review")
    result = services.agreement_pdf(agreement)
    assert result.document is None
    assert "草稿" in result.filename
    assert "未生效" in _text(result.content)
    assert verify_signature(result.content).present is False
    assert not AgreementDocument.objects.exists()


def test_download_generates_a_missing_document_on_the_spot(world) -> None:  # type: ignore[no-untyped-def]
    agreement = world.reach("effective")  # on_commit hooks never ran: no worker picked anything up
    result = services.agreement_pdf(agreement)
    assert result.document is not None and result.document.state == "ready"
    assert result.filename == f"就业协议书-{agreement.number}.pdf"
    assert verify_signature(result.content).valid


def test_failures_are_retried_then_shown_to_the_school_admin(
    world,
    django_capture_on_commit_callbacks,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    calls = []

    def broken(pdf: bytes, **kwargs: object) -> bytes:
        calls.append(1)
        raise OSError("signing key unreadable")

    monkeypatch.setattr(services, "sign_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        agreement = world.reach("effective")
    document = AgreementDocument.objects.get(agreement=agreement)
    assert len(calls) == services.MAX_ATTEMPTS
    assert document.state == "failed" and document.attempts == services.MAX_ATTEMPTS
    assert "signing key unreadable" in document.last_error
    assert list(selectors.documents_needing_attention(world.school_admin)) == [document]
    assert not selectors.documents_needing_attention(world.other_school_admin).exists()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.document_retry(document.pk, acting_user=world.school_admin)
    document.refresh_from_db()
    assert document.state == "ready" and document.is_current
    assert not selectors.documents_needing_attention(world.school_admin).exists()


def test_upload_check_tells_current_superseded_other_and_unknown(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        agreement = world.reach("effective")
        other = world.reach("effective", student=world.other_student)
    v1 = services.document_content(AgreementDocument.objects.get(agreement=agreement))
    assert services.verify_upload(agreement, v1).verdict == "current"
    assert services.verify_upload(other, v1).verdict == "other_agreement"
    tampered = bytearray(v1)
    tampered[len(v1) // 3] ^= 0x01
    check = services.verify_upload(agreement, bytes(tampered))
    assert check.verdict == "unknown" and not check.signature.valid

    with django_capture_on_commit_callbacks(execute=True):
        wf.termination_request(
            agreement,
            reason="个人原因",
            acting_user=world.student.user,
            confirmation=confirm(world.student.user, "termination", agreement),
        )
        wf.termination_accept(agreement, acting_user=world.employer)
        wf.termination_approve(agreement, acting_user=world.school_admin)
    agreement.refresh_from_db()
    assert agreement.status == Status.TERMINATED
    check = services.verify_upload(agreement, v1)
    assert check.verdict == "superseded" and check.current_version == 2
    assert check.signature.valid  # still the school's genuine signature, just no longer the current version


def test_stale_pending_documents_are_picked_up_again(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    agreement = world.reach("effective")
    document = services.document_request(agreement.pk, enqueue=False)  # as if its job were lost
    assert document is not None
    AgreementDocument.objects.filter(pk=document.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert list(selectors.documents_needing_attention(world.school_admin)) == [document]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.documents_retry_stale() == 1
    document.refresh_from_db()
    assert document.state == "ready"


def test_correcting_the_student_issues_a_new_version(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from core.models import AgreementEvent
    from core.services.students import student_update

    with django_capture_on_commit_callbacks(execute=True):
        agreement = world.reach("effective")
    student = world.student
    data = {
        "name": "李明明",
        "gender": student.gender,
        "id_number": student.id_number,
        "phone": student.phone,
        "email": student.email,
        "graduation_year": str(student.graduation_year),
        "major": str(student.major_id),
        "degree": student.degree,
    }
    with django_capture_on_commit_callbacks(execute=True):
        student_update(student, data, acting_user=world.school_admin)
    first, second = AgreementDocument.objects.filter(agreement=agreement).order_by("version")
    assert first.superseded_at is not None and second.is_current and second.kind == "effective"
    assert "李明明" in _text(services.document_content(second))
    assert "李明明" not in _text(services.document_content(first))
    event = AgreementEvent.objects.filter(agreement=agreement).last()
    assert event is not None
    assert event.action == "student_corrected" and "姓名" in event.remark
    assert event.new_status == "effective"
