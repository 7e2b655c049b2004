"""单位注册 backed by its licence and a confirmed HR phone (issue 20 item 4): the 营业执照 scan (sniffed, bounded)
beside the 统一社会信用代码, shown inline in 单位资质审核, required for verification; the HR mobile proved by a
six-digit SMS code (5 minutes, one use, throttled); the demo's SMS readable on /demo/sms/ only in the demo."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from core import sms
from core.errors import Conflict, InvalidInput
from core.identifiers import make_credit_code
from core.models import Employer, SmsCode, User
from core.services.employers import employer_register, employer_verify
from core.services.sms_codes import PURPOSE_EMPLOYER_REGISTER, SmsCodeThrottled, sms_code_send, sms_code_use
from sampledata.demo import sample_licence_pdf
from testsupport import ApiClient, LoginAs, World, last_sms_code, make_employer

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
REGISTRATION = {
    "username": "hr_new",
    "password": "Strong-pass-2026",
    "password2": "Strong-pass-2026",
    "name": "沈阳云帆信息技术有限公司",
    "credit_code": make_credit_code(9001),
    "contact_person": "周敏",
    "phone": "024-83687000",
    "email": "hr@yunfan.example.com",
    "address": "辽宁省沈阳市浑南区创新路1号",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def licence(content: bytes | None = None, name: str = "营业执照.pdf") -> SimpleUploadedFile:
    body = content if content is not None else sample_licence_pdf(REGISTRATION["name"], REGISTRATION["credit_code"])
    return SimpleUploadedFile(name, body)


def post_registration(client: Client, **changes: Any) -> Any:
    data: dict[str, Any] = {**REGISTRATION, "mobile": MOBILE, "licence": licence(), **changes}
    return client.post(reverse("employer:register"), {k: v for k, v in data.items() if v is not None})


def send_code(client: Client, mobile: str = MOBILE, **headers: str) -> Any:
    return client.post(reverse("employer:register_code"), {"mobile": mobile}, headers=headers)


def test_the_page_registers_with_a_code_and_a_licence(client: Client) -> None:
    page = client.get(reverse("employer:register")).content.decode()
    for words in ("手机号", "获取验证码", "短信验证码", "营业执照扫描件", 'enctype="multipart/form-data"', "演示短信"):
        assert words in page, words
    answer = send_code(client)
    assert answer.status_code == 200 and "验证码已发送至139****5678，5分钟内有效" in answer.content.decode()
    code = last_sms_code(MOBILE)
    assert sms.outbox[-1].text.startswith("【就业协议书网签】您正在注册用人单位账号，验证码")
    assert not SmsCode.objects.filter(code_hash__contains=code).exists() and len(code) == 6

    response = post_registration(client, sms_code=code)
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(username="hr_new")
    assert user.phone == MOBILE and user.phone_confirmed_at is not None
    employer = Employer.objects.get(pk=user.employer_id or 0)
    assert employer.licence_type == "application/pdf" and employer.licence_name == "营业执照.pdf"
    assert employer.licence_size == len(sample_licence_pdf(REGISTRATION["name"], REGISTRATION["credit_code"]))
    # The employer sees its own scan, no one else's.
    assert client.get(reverse("employer:licence")).content.startswith(b"%PDF-")
    assert "营业执照.pdf" in client.get(reverse("employer:home")).content.decode()


def test_htmx_sends_the_code_without_leaving_the_form(client: Client) -> None:
    answer = send_code(client, HX_Request="true")
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "验证码已发送至139****5678" in body and "<html" not in body
    again = send_code(client, HX_Request="true")
    assert "请" in again.content.decode() and "秒后再重新获取" in again.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sms_code": None}, "sms_code", "请填写短信验证码"),
        ({"sms_code": "000000"}, "sms_code", "短信验证码"),
        ({"mobile": "12345"}, "mobile", "手机号应为11位大陆手机号码"),
        ({"licence": None}, "licence", "请上传营业执照扫描件"),
        ({"licence": licence(b"<html>x</html>", "执照.pdf")}, "licence", "不是 PDF、JPG 或 PNG 文件"),
    ],
)
def test_a_registration_without_proof_changes_nothing(
    client: Client, changes: dict[str, Any], field: str, message: str
) -> None:
    send_code(client)
    changes = {"sms_code": last_sms_code(MOBILE), **changes}
    response = post_registration(client, **changes)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'id="id_{field}"' in page
    assert not User.objects.filter(username="hr_new").exists() and Employer.objects.count() == 0


@override_settings(WANGQIAN_LICENCE_MAX_BYTES=1000)
def test_the_licence_size_is_a_setting_and_a_refused_scan_keeps_the_code(client: Client) -> None:
    send_code(client)
    code = last_sms_code(MOBILE)
    too_big = post_registration(client, sms_code=code, licence=licence(b"%PDF-1.4\n" + b"0" * 2000))
    assert too_big.status_code == 400 and "营业执照扫描件“营业执照.pdf”超过大小上限" in too_big.content.decode()
    # The code was not spent by a registration that failed on its file.
    assert post_registration(client, sms_code=code, licence=licence(PNG, "scan.jpg")).status_code == 302
    assert Employer.objects.get().licence_name == "scan.png"  # named as what it is


def test_a_code_is_single_use_bounded_in_tries_and_expires() -> None:
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False) as clock:
        sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER)
        code = last_sms_code(MOBILE)
        wrong = "000000" if code != "000000" else "111111"
        for left in (4, 3, 2, 1):
            with pytest.raises(InvalidInput, match=f"还可尝试{left}次"):
                sms_code_use(MOBILE, wrong, purpose=PURPOSE_EMPLOYER_REGISTER)
        with pytest.raises(InvalidInput, match="请重新获取"):
            sms_code_use(MOBILE, wrong, purpose=PURPOSE_EMPLOYER_REGISTER)
        with pytest.raises(InvalidInput, match="错误次数过多"):  # even the right one now
            sms_code_use(MOBILE, code, purpose=PURPOSE_EMPLOYER_REGISTER)

        clock.shift(datetime.timedelta(seconds=61))
        sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER)
        code = last_sms_code(MOBILE)
        with pytest.raises(InvalidInput, match="已失效"):  # another purpose's code proves nothing here
            sms_code_use(MOBILE, code, purpose="other")
        sms_code_use(MOBILE, code, purpose=PURPOSE_EMPLOYER_REGISTER)
        with pytest.raises(InvalidInput, match="已失效"):  # used once
            sms_code_use(MOBILE, code, purpose=PURPOSE_EMPLOYER_REGISTER)

        clock.shift(datetime.timedelta(seconds=61))
        sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER)
        code = last_sms_code(MOBILE)
        clock.shift(datetime.timedelta(minutes=5, seconds=1))
        with pytest.raises(InvalidInput, match="已失效"):
            sms_code_use(MOBILE, code, purpose=PURPOSE_EMPLOYER_REGISTER)


def test_sending_is_throttled_per_phone_and_per_address() -> None:
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC), tick=False) as clock:
        sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER, address="203.0.113.5")
        with pytest.raises(SmsCodeThrottled, match="秒后再重新获取") as refused:
            sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER, address="203.0.113.5")
        assert refused.value.status == 429
        for _ in range(4):
            clock.shift(datetime.timedelta(seconds=61))
            sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER, address="203.0.113.5")
        clock.shift(datetime.timedelta(seconds=61))
        with pytest.raises(SmsCodeThrottled, match="1小时内获取验证码已达5次"):
            sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER)
        with override_settings(WANGQIAN_SMS_CODES_PER_ADDRESS_PER_HOUR=5):
            with pytest.raises(SmsCodeThrottled, match="当前网络"):
                sms_code_send("13900000001", purpose=PURPOSE_EMPLOYER_REGISTER, address="203.0.113.5")
            sms_code_send("13900000001", purpose=PURPOSE_EMPLOYER_REGISTER, address="198.51.100.7")
        clock.shift(datetime.timedelta(hours=1))
        sms_code_send(MOBILE, purpose=PURPOSE_EMPLOYER_REGISTER)
    assert len(sms.outbox) == 7


@override_settings(SMS_BACKEND="")
def test_without_an_sms_service_the_page_says_so(client: Client) -> None:
    answer = send_code(client)
    assert answer.status_code == 400 and "本平台尚未开通短信服务" in answer.content.decode()


def test_no_licence_no_verification(world: World, client: Client, login_as: LoginAs, api: ApiClient) -> None:
    # An employer registered before scans were asked for: shown 未上传, refused with a message.
    old = make_employer("旧单位", verified=False).employer
    login_as(world.school_admin)
    listing = client.get(reverse("school:employers")).content.decode()
    assert "营业执照" in listing and "未上传" in listing
    detail = client.get(reverse("school:employer", args=[old.pk])).content.decode()
    assert "✗ 未上传" in detail and "该单位未上传营业执照扫描件，不能通过资质审核" in detail
    refused = client.post(reverse("school:employer_verify", args=[old.pk]), {"approve": "1"}, follow=True)
    assert "不能通过资质审核" in refused.content.decode()
    with pytest.raises(Conflict, match="未上传营业执照扫描件"):
        employer_verify(old.pk, approve=True, acting_user=world.school_admin)
    api.login(world.school_admin)
    answer = api.post(f"/school/employers/{old.pk}/verify", {"approve": True})
    assert answer.status_code == 409 and answer.json()["code"] == "licence_missing"
    assert api.get(f"/school/employers/{old.pk}/licence").status_code == 404
    old.refresh_from_db()
    assert old.verification_status == Employer.Verification.PENDING

    # The employer uploads it from 单位中心; then the school sees it inline and can approve.
    hr = User.objects.get(employer=old)
    login_as(hr)
    assert "未上传" in client.get(reverse("employer:home")).content.decode()
    bad = client.post(reverse("employer:licence"), {"licence": licence(b"GIF89a", "x.gif")}, follow=True)
    assert "不是 PDF、JPG 或 PNG 文件" in bad.content.decode()
    client.post(reverse("employer:licence"), {"licence": licence()})
    old.refresh_from_db()
    assert old.licence_type == "application/pdf"
    login_as(world.school_admin)
    detail = client.get(reverse("school:employer", args=[old.pk])).content.decode()
    assert reverse("school:employer_licence_preview", args=[old.pk]) in detail and "打开原件" in detail
    preview = client.get(reverse("school:employer_licence_preview", args=[old.pk]))
    assert preview["Content-Type"] == "image/png" and preview.content.startswith(b"\x89PNG")
    original = client.get(reverse("school:employer_licence", args=[old.pk]))
    assert original["Content-Type"] == "application/pdf" and "inline" in original["Content-Disposition"]
    listed = {e["id"]: e for e in api.get("/school/employers").json()}
    assert listed[old.pk]["licence"]["content_type"] == "application/pdf"
    employer_verify(old.pk, approve=True, acting_user=world.school_admin)
    # Verified: the scan is what the school approved, and stays.
    login_as(hr)
    again = client.post(reverse("employer:licence"), {"licence": licence(PNG, "new.png")}, follow=True)
    assert "不能再更换营业执照扫描件" in again.content.decode()


def test_only_school_admins_see_an_employers_licence(world: World, login_as: LoginAs) -> None:
    pending = make_employer(verified=False, licence=True).employer
    for user in (world.employer, world.student.user, world.college_admin):
        assert user is not None
        client = login_as(user)
        assert client.get(reverse("school:employer_licence", args=[pending.pk])).status_code in (403, 404)
    # Another employer's scan is not reachable through its own page either: /employer/licence/ is one's own.
    mine = login_as(world.employer).get(reverse("employer:licence"))
    assert mine.status_code == 404


def test_a_damaged_pdf_is_a_link_not_a_500(world: World, login_as: LoginAs) -> None:
    pending = make_employer(verified=False).employer
    hr = User.objects.get(employer=pending)
    client = login_as(hr)
    client.post(reverse("employer:licence"), {"licence": licence(b"%PDF-1.4 broken")})
    admin = login_as(world.school_admin)
    assert admin.get(reverse("school:employer_licence_preview", args=[pending.pk])).status_code == 404
    assert admin.get(reverse("school:employer", args=[pending.pk])).status_code == 200


def test_the_demo_sms_page_reads_the_file_backend(client: Client, tmp_path: Path) -> None:
    with override_settings(SMS_BACKEND="core.sms.backends.file.SmsBackend", SMS_FILE_PATH=str(tmp_path)):
        send_code(client)
        (line,) = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
        code = json.loads(line)["text"].split("验证码")[1][:6]
        page = client.get(reverse("web:demo_sms")).content.decode()
        assert f"验证码{code}" in page and MOBILE in page
        assert f"验证码{code}" not in client.get(reverse("web:demo_sms"), {"phone": "13800000000"}).content.decode()
        assert post_registration(client, sms_code=code).status_code == 302
    with override_settings(DEMO=False):
        assert client.get("/demo/sms/").status_code == 404


def test_the_demo_sms_route_is_absent_outside_the_demo() -> None:
    import importlib

    import web.urls

    with override_settings(DEMO=False):
        module = importlib.reload(web.urls)
        assert "demo_sms" not in {getattr(p, "name", None) for p in module.urlpatterns}
    importlib.reload(web.urls)


def test_load_demo_gives_every_demo_employer_a_licence() -> None:
    from sampledata.demo import load_demo

    load_demo()
    employers = Employer.objects.exclude(verification_status=Employer.Verification.UNREGISTERED)
    assert employers.exists() and all(e.licence and e.licence_type == "application/pdf" for e in employers)


def test_registration_service_refuses_without_proof() -> None:
    data = {k: REGISTRATION[k] for k in ("name", "credit_code", "contact_person", "phone", "email", "address")}
    with pytest.raises(InvalidInput) as refused:
        employer_register(
            username="x_hr",
            password="Strong-pass-2026",
            data=data,
            mobile=MOBILE,
            sms_code="123456",
            licence_name="a.pdf",
            licence=io.BytesIO(b"%PDF-1.4").getvalue(),
        )
    assert set(refused.value.errors) == {"sms_code"}
