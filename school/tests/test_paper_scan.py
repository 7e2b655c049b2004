"""A paper agreement is read and downloaded as the student's scan, never as a 网上签约 PDF we generate (issue 18
bug 5): its reviewer sees the scan itself on the review page (a PDF page by page, an image as itself), and its
download, on the pages and through the API, is that scan."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import reverse

from core.models import Attachment
from core.services import agreements as wf
from testsupport import ApiClient, LoginAs, World, register_paper

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def two_page_pdf() -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(2):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    return buffer.getvalue()


def test_the_reviewer_reads_the_pdf_scan_page_by_page_instead_of_a_generated_draft(
    world: World, client: Client, login_as: LoginAs
) -> None:
    agreement = register_paper(world.student, scan=two_page_pdf())
    scan = Attachment.objects.get(agreement=agreement)
    reviewer = login_as(world.school_admin)
    page = reviewer.get(reverse("school:agreement", args=[agreement.pk])).content.decode()

    assert reverse("documents:review_page", args=[agreement.pk, 1]) not in page
    for number in (1, 2):
        assert f'src="{reverse("documents:scan_page", args=[scan.pk, number])}"' in page
    assert reverse("documents:scan_page", args=[scan.pk, 3]) not in page
    shown = reviewer.get(reverse("documents:scan_page", args=[scan.pk, 1]))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png" and shown.content[:4] == b"\x89PNG"
    assert reviewer.get(reverse("documents:scan_page", args=[scan.pk, 3])).status_code == 404
    # No generated draft of a paper agreement, for anyone.
    assert reviewer.get(reverse("documents:review_page", args=[agreement.pk, 1])).status_code == 404

    for outsider in (world.other_school_admin, world.employer, world.other_student.user):
        assert outsider is not None
        assert login_as(outsider).get(reverse("documents:scan_page", args=[scan.pk, 1])).status_code == 404


def test_an_image_scan_is_shown_as_itself_and_a_broken_pdf_is_offered_for_download(
    world: World, login_as: LoginAs
) -> None:
    agreement = register_paper(world.student, scan_name="协议书.jpg", scan=JPEG)
    scan = Attachment.objects.get(agreement=agreement)
    reviewer = login_as(world.school_admin)
    page = reviewer.get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    assert f'<img class="wq-draft-page" src="{reverse("web:attachment", args=[scan.pk])}"' in page

    broken = register_paper(world.other_student, scan=b"%PDF-1.4\nnot really\n")
    shown = reviewer.get(reverse("school:agreement", args=[broken.pk]))
    assert shown.status_code == 200 and "该 PDF 无法在页面中显示" in shown.content.decode()
    other_scan = Attachment.objects.get(agreement=broken)
    answer = reviewer.get(reverse("documents:scan_page", args=[other_scan.pk, 1]))
    assert answer.status_code == 404


def test_an_approved_paper_agreement_downloads_as_its_scan_on_the_pages_and_through_the_api(
    world: World, client: Client, login_as: LoginAs
) -> None:
    agreement = register_paper(world.student, scan_name="协议书.jpg", scan=JPEG)
    wf.agreement_approve(agreement, acting_user=world.school_admin)
    student = login_as(world.student)

    detail = student.get(reverse("student:agreement_detail", args=[agreement.pk])).content.decode()
    assert "下载扫描件" in detail
    downloaded = student.get(reverse("documents:pdf", args=[agreement.pk]))
    assert downloaded.status_code == 200 and downloaded["Content-Type"] == "image/jpeg"
    assert b"".join(downloaded) == JPEG  # type: ignore[arg-type]
    opened = student.get(reverse("documents:preview", args=[agreement.pk]))
    assert opened.status_code == 302 and opened["Location"].endswith("/pdf?inline=1")

    api = ApiClient(Client()).login(world.school_admin)
    answer = api.get(f"/agreements/{agreement.pk}/document")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg" and answer.content == JPEG


def test_a_long_scan_shows_its_first_pages_up_to_the_setting(world: World, login_as: LoginAs, settings: Any) -> None:
    settings.WANGQIAN_SCAN_PREVIEW_MAX_PAGES = 1
    agreement = register_paper(world.student, scan=two_page_pdf())
    scan = Attachment.objects.get(agreement=agreement)
    page = login_as(world.school_admin).get(reverse("school:agreement", args=[agreement.pk])).content.decode()
    assert reverse("documents:scan_page", args=[scan.pk, 1]) in page
    assert reverse("documents:scan_page", args=[scan.pk, 2]) not in page
    assert "页面中只显示前1页，其余1页请点击上方文件名下载查看" in page
