from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.models import Agreement
from core.services import agreements as wf
from documents import services
from documents.models import AgreementDocument
from testsupport import LoginAs, World, confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def effective(world, django_capture_on_commit_callbacks) -> Agreement:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return world.reach("effective")


def _pdf_url(agreement: Agreement) -> str:
    return reverse("documents:pdf", args=[agreement.pk])


# --- download and 查看原图 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employer", "college_admin", "school_admin", "student"])
def test_parties_and_reviewers_download_the_signed_pdf(client, world, effective, who: str, login_as: LoginAs) -> None:  # type: ignore[no-untyped-def]
    user = world.student.user if who == "student" else getattr(world, who)
    login_as(user)
    response = client.get(_pdf_url(effective))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content == services.document_content(AgreementDocument.objects.get(agreement=effective))
    inline = client.get(_pdf_url(effective), {"inline": "1"})
    assert inline["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize("who", ["other_employer", "other_college_admin", "other_school_admin", "other_student"])
def test_outsiders_get_404(client, world, effective, who: str, login_as: LoginAs) -> None:  # type: ignore[no-untyped-def]
    user = world.other_student.user if who == "other_student" else getattr(world, who)
    login_as(user)
    assert client.get(_pdf_url(effective)).status_code == 404
    assert client.get(reverse("documents:preview", args=[effective.pk])).status_code == 404
    assert client.get(reverse("documents:page", args=[effective.pk, 1])).status_code == 404


def test_anonymous_is_sent_to_login_and_post_is_refused(client, world, effective, login_as: LoginAs) -> None:  # type: ignore[no-untyped-def]
    response = client.get(_pdf_url(effective))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    login_as(world.employer)
    assert client.post(_pdf_url(effective)).status_code == 405
    assert client.post(reverse("documents:preview", args=[effective.pk])).status_code == 405


def test_draft_download_before_approval(client, world, login_as: LoginAs) -> None:  # type: ignore[no-untyped-def]
    agreement = world.reach("college_review")
    login_as(world.college_admin)
    response = client.get(_pdf_url(agreement))
    assert response.status_code == 200
    assert "%E8%8D%89%E7%A8%BF" in response["Content-Disposition"]  # 草稿, RFC 5987-encoded


def test_preview_shows_every_page_as_an_image(client, world, effective, login_as: LoginAs) -> None:  # type: ignore[no-untyped-def]
    login_as(world.student.user)
    page = client.get(reverse("documents:preview", args=[effective.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "查看原图" in html and "共 8 页" in html and "下载协议书" in html
    for number in range(1, 9):
        assert reverse("documents:page", args=[effective.pk, number]) in html
    image = client.get(reverse("documents:page", args=[effective.pk, 1]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert client.get(reverse("documents:page", args=[effective.pk, 9])).status_code == 404


# --- public verification -------------------------------------------------------------------------------------


def test_verify_valid_code(client, effective) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("documents:verify_code", args=[effective.verification_code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "该协议书真实有效" in html
    assert effective.number in html and effective.employer.name in html
    assert effective.student.name not in html  # masked
    assert effective.student.name[0] + "*" in html
    assert "现行版本" in html


def test_verify_terminated_code_says_so(client, world, effective, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        wf.termination_request(effective, reason="个人原因", acting_user=world.employer)
        wf.termination_accept(
            effective,
            acting_user=world.student.user,
            confirmation=confirm(world.student.user, "termination/accept", effective),
        )
        wf.termination_approve(effective, acting_user=world.school_admin)
    html = client.get(reverse("documents:verify_code", args=[effective.verification_code])).content.decode()
    assert "该协议书已解约，不再有效" in html
    assert "解约时间" in html and "已被取代" in html


def test_verify_unknown_code_and_the_code_form(client, effective) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("documents:verify_code", args=["ZZZZZZZZZZZZ"]))
    assert response.status_code == 404
    assert "未找到验证码" in response.content.decode()
    index = client.get(reverse("documents:verify"))
    assert index.status_code == 200 and "验证码" in index.content.decode()
    code = effective.verification_code
    typed = f"{code[:4].lower()}-{code[4:8]} {code[8:]}"
    redirect = client.get(reverse("documents:verify"), {"code": typed})
    assert redirect.status_code == 302
    assert redirect["Location"] == reverse("documents:verify_code", args=[code])


def test_verify_upload_genuine_and_modified(client, effective) -> None:  # type: ignore[no-untyped-def]
    url = reverse("documents:verify_code", args=[effective.verification_code])
    genuine = services.document_content(AgreementDocument.objects.get(agreement=effective))
    html = client.post(url, {"file": SimpleUploadedFile("a.pdf", genuine, "application/pdf")}).content.decode()
    assert "是本系统签发的原件，为现行版本（第1版）" in html
    assert "签名有效" in html

    modified = bytearray(genuine)
    modified[len(genuine) // 2] ^= 0x01
    html = client.post(url, {"file": SimpleUploadedFile("a.pdf", bytes(modified), "application/pdf")}).content.decode()
    assert "不是本系统签发的文件" in html
    assert "签名无效" in html

    assert client.post(url, {}).status_code == 400


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.mark.parametrize(
    ("name", "content"),
    [("协议书.png", PNG), ("协议书.pdf", PNG), ("scan.jpg", b"\xff\xd8\xff\xe0" + bytes(64)), ("a.pdf", b"hello")],
)
def test_verify_upload_of_anything_but_a_pdf_asks_for_a_pdf(client, effective, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    """A photo of the agreement (or any file that is not a PDF, whatever its name) is not "possibly modified": it
    is not what the checker compares, and the page says so."""
    url = reverse("documents:verify_code", args=[effective.verification_code])
    response = client.post(url, {"file": SimpleUploadedFile(name, content, "application/pdf")})
    html = response.content.decode()
    assert response.status_code == 400
    assert "请上传 PDF 文件" in html
    assert "可能经过修改" not in html and "不是本系统签发的文件" not in html and "upload-result" not in html


def test_verify_page_is_public_even_for_a_user_who_must_change_password(
    client: Client, world: World, effective: Agreement, login_as: LoginAs
) -> None:
    user = world.student.user
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    login_as(user)
    assert client.get(reverse("documents:verify_code", args=[effective.verification_code])).status_code == 200


def test_verify_page_queries_do_not_grow_with_versions(  # type: ignore[no-untyped-def]
    client, world, effective, django_assert_max_num_queries, django_capture_on_commit_callbacks
) -> None:
    url = reverse("documents:verify_code", args=[effective.verification_code])
    with django_assert_max_num_queries(4):
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        wf.termination_request(effective, reason="个人原因", acting_user=world.employer)
        wf.termination_accept(
            effective,
            acting_user=world.student.user,
            confirmation=confirm(world.student.user, "termination/accept", effective),
        )
        wf.termination_approve(effective, acting_user=world.school_admin)
    with django_assert_max_num_queries(4):
        client.get(url)


# --- the school admin's failure list ---------------------------------------------------------------------


@pytest.fixture
def failed(world, django_capture_on_commit_callbacks, monkeypatch) -> AgreementDocument:  # type: ignore[no-untyped-def]
    def broken(pdf: bytes, **kwargs: object) -> bytes:
        raise OSError("HSM offline")

    with monkeypatch.context() as patch:
        patch.setattr(services, "sign_pdf", broken)
        with django_capture_on_commit_callbacks(execute=True):
            agreement = world.reach("effective")
    return AgreementDocument.objects.get(agreement=agreement)


def test_school_admin_sees_and_retries_failed_documents(
    client, world, failed, django_capture_on_commit_callbacks, login_as: LoginAs
) -> None:  # type: ignore[no-untyped-def]
    assert failed.state == "failed"
    login_as(world.school_admin)
    html = client.get(reverse("documents:attention")).content.decode()
    assert failed.agreement.number in html and "HSM offline" in html and "重新生成" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == "ready"


def test_failure_list_is_for_the_school_admin_of_that_school(client, world, failed, login_as: LoginAs) -> None:  # type: ignore[no-untyped-def]
    login_as(world.college_admin)
    assert client.get(reverse("documents:attention")).status_code == 403
    assert client.post(reverse("documents:retry", args=[failed.pk])).status_code == 403
    login_as(world.other_school_admin)
    assert "暂无数据" in client.get(reverse("documents:attention")).content.decode()
    assert client.post(reverse("documents:retry", args=[failed.pk])).status_code == 404
    login_as(world.school_admin)
    assert client.get(reverse("documents:retry", args=[failed.pk])).status_code == 405


def test_download_of_a_failed_document_tries_again_on_the_spot(client, world, failed, login_as: LoginAs) -> None:  # type: ignore[no-untyped-def]
    login_as(world.employer)
    response = client.get(_pdf_url(failed.agreement))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    failed.refresh_from_db()
    assert failed.state == "ready"
