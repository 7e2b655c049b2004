"""Issued PDFs live in Django's storage (shared by every host); the row's SHA-256 guards every read."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from documents import services
from documents.models import AgreementDocument
from testsupport import World

pytestmark = pytest.mark.django_db


def _files(agreement_id: int) -> set[str]:
    # The media folder is per test process and SQLite may hand out a rolled-back id again: compare sets.
    folder = f"agreements/{agreement_id}"
    return set(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else set()


def test_the_issued_pdf_is_a_file_in_the_storage_named_by_version_and_hash(world: World) -> None:
    agreement = world.reach("effective")
    before = _files(agreement.pk)
    document = services.issue_document(agreement.pk)
    assert document is not None and document.state == AgreementDocument.State.READY
    assert document.file.name == f"agreements/{agreement.pk}/v1-{document.sha256[:16]}.pdf"
    assert _files(agreement.pk) - before == {f"v1-{document.sha256[:16]}.pdf"}
    pdf = services.agreement_pdf(agreement)
    assert pdf.content.startswith(b"%PDF") and pdf.document == document
    assert len(pdf.content) == document.size


def test_a_replaced_or_lost_file_is_reported_never_served(world: World) -> None:
    agreement = world.reach("effective")
    document = services.issue_document(agreement.pk)
    assert document is not None
    default_storage.delete(document.file.name)
    default_storage.save(document.file.name, ContentFile(b"%PDF-1.7 forged"))
    with pytest.raises(services.DocumentUnavailable, match="暂时无法读取"):
        services.agreement_pdf(agreement)
    default_storage.delete(document.file.name)
    with pytest.raises(services.DocumentUnavailable, match="暂时无法读取"):
        services.agreement_pdf(agreement)


def test_a_worker_that_loses_the_race_removes_its_own_file(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers sign the same pending version: the first to commit wins, the other's file is not left behind."""
    agreement = world.reach("effective")
    document = services.document_request(agreement.pk, enqueue=False)
    assert document is not None
    before = _files(agreement.pk)
    real_sign = services.sign_pdf
    raced: list[bool] = []

    def sign_while_another_worker_finishes(pdf: bytes, **kwargs: Any) -> bytes:
        signed = real_sign(pdf, **kwargs)
        if not raced:
            raced.append(True)
            services.document_generate(document.pk)  # the other worker, finishing first
        return signed

    monkeypatch.setattr(services, "sign_pdf", sign_while_another_worker_finishes)
    result = services.document_generate(document.pk)
    winner = AgreementDocument.objects.get(pk=document.pk)
    assert raced and result.file.name == winner.file.name
    assert _files(agreement.pk) - before == {winner.file.name.rsplit("/", 1)[1]}
    assert services.document_content(winner).startswith(b"%PDF")
