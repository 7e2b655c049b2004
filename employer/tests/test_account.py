"""单位注册, 基本信息, 修改密码, 签约信息确认, 网签信息维护 and the 行政区划 cascade."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.identifiers import make_credit_code
from core.models import Employer, User
from sampledata.demo import sample_licence_pdf
from testsupport import PASSWORD, PROFILE, LoginAs, World, last_sms_code, make_employer

REGISTRATION = {
    "username": "hr_new",
    "password": "Strong-pass-2026",
    "password2": "Strong-pass-2026",
    "name": "沈阳云帆信息技术有限公司",
    "credit_code": make_credit_code(9001),
    "contact_person": "周敏",
    "phone": "13912345678",
    "email": "hr@yunfan.example.com",
    "address": "辽宁省沈阳市浑南区创新路1号",
}


def test_login_page_links_to_registration(client: Client, db: None) -> None:
    assert reverse("employer:register") in client.get(reverse("web:login")).content.decode()


def test_register_creates_a_pending_employer_and_logs_in(client: Client, db: None) -> None:
    client.post(reverse("employer:register_code"), {"mobile": "13912345678"})
    licence = SimpleUploadedFile("营业执照.pdf", sample_licence_pdf(REGISTRATION["name"], REGISTRATION["credit_code"]))
    data = {**REGISTRATION, "mobile": "13912345678", "sms_code": last_sms_code("13912345678"), "licence": licence}
    response = client.post(reverse("employer:register"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("employer:home")
    page = response.content.decode()
    assert "注册成功" in page
    assert "单位资质正在等待学校审核" in page
    user = User.objects.get(username="hr_new")
    assert user.employer is not None
    assert user.employer.verification_status == Employer.Verification.PENDING


def test_register_errors_beside_fields_and_input_kept(client: Client, db: None) -> None:
    data = {**REGISTRATION, "credit_code": "1234", "password2": "different-2026"}
    page = client.post(reverse("employer:register"), data).content.decode()
    assert "两次输入的密码不一致" in page
    assert 'value="沈阳云帆信息技术有限公司"' in page
    assert not User.objects.filter(username="hr_new").exists()
    data = {**REGISTRATION, "credit_code": "1234"}
    page = client.post(reverse("employer:register"), data).content.decode()
    assert "统一社会信用代码" in page and "is-invalid" in page
    assert 'value="1234"' in page


def test_register_refuses_a_credit_code_already_registered(world: World, client: Client) -> None:
    data = {**REGISTRATION, "credit_code": world.employer.employer.credit_code}
    page = client.post(reverse("employer:register"), data).content.decode()
    assert "该统一社会信用代码已注册" in page


def test_logged_in_user_is_sent_away_from_registration(world: World, login_as: LoginAs) -> None:
    assert login_as(world.employer).get(reverse("employer:register")).status_code == 302


def test_basic_info_is_saved_and_credit_code_locked(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    page = client.get(reverse("employer:account")).content.decode()
    assert "基本信息" in page and "统一社会信用代码" in page and "readonly" in page
    employer = world.employer.employer
    data = {
        "name": employer.name,
        "contact_person": "新联系人",
        "phone": "13800001111",
        "email": "a@b.cn",
        "address": "新地址",
        "credit_code": make_credit_code(77),
    }
    response = client.post(reverse("employer:account"), data, follow=True)
    assert "基本信息已保存" in response.content.decode()
    employer.refresh_from_db()
    assert employer.contact_person == "新联系人"
    assert employer.credit_code != make_credit_code(77)


def test_basic_info_error_keeps_input(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    data = {"name": "单位", "contact_person": "张三", "phone": "12", "email": "x@y.cn", "address": "地址"}
    page = client.post(reverse("employer:account"), data).content.decode()
    assert "联系电话" in page and "is-invalid" in page
    assert 'value="张三"' in page
    world.employer.employer.refresh_from_db()
    assert world.employer.employer.contact_person == "王经理"


def test_password_change_inside_the_portal(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    page = client.get(reverse("employer:password")).content.decode()
    assert "修改密码" in page and "wq-menu" in page
    wrong = client.post(
        reverse("employer:password"), {"old_password": "nope", "new_password": "x", "new_password2": "x"}
    ).content.decode()
    assert "原密码不正确" in wrong
    mismatch = client.post(
        reverse("employer:password"),
        {"old_password": PASSWORD, "new_password": "Abc-12345-x", "new_password2": "Abc-12345-y"},
    ).content.decode()
    assert "两次输入的新密码不一致" in mismatch
    ok = client.post(
        reverse("employer:password"),
        {"old_password": PASSWORD, "new_password": "New-pass-2026!", "new_password2": "New-pass-2026!"},
        follow=True,
    )
    assert "密码已修改" in ok.content.decode()
    world.employer.refresh_from_db()
    assert world.employer.check_password("New-pass-2026!")


@pytest.mark.parametrize("page", ["employer:password", "web:password_change"])
def test_guessing_the_old_password_is_throttled_like_a_login(
    world: World, login_as: LoginAs, settings: Any, page: str
) -> None:
    """A session that guesses its account's password (a borrowed or stolen one, to keep the account for good) is
    counted as a login is (core.throttle): past LOGIN_FAILURE_LIMIT it is refused, the right password too."""
    client = login_as(world.employer)
    wrong = {"old_password": "guess-0000", "new_password": "New-pass-2026!", "new_password2": "New-pass-2026!"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert client.post(reverse(page), wrong).status_code in (200, 429)
    right = {**wrong, "old_password": PASSWORD}
    assert client.post(reverse(page), right).status_code == 429
    world.employer.refresh_from_db()
    assert world.employer.check_password(PASSWORD)


def test_confirm_form_errors_then_success_goes_back(db: None, login_as: LoginAs) -> None:
    user = make_employer(profile=False)
    client = login_as(user)
    page = client.get(reverse("employer:confirm")).content.decode()
    for label in (
        "单位性质",
        "单位所在地",
        "档案接收",
        "档案转寄单位名称",
        "档案转寄地址",
        "档案转寄邮编",
        "档案转寄联系人",
        "档案转寄联系电话",
        "户口接收类型",
        "户口接收地址",
        "确认",
        "返回",
    ):
        assert label in page
    bad = {**PROFILE, "archive_postcode": "12", "location": "210100"}
    text = client.post(
        reverse("employer:confirm"), {**bad, "location_p": "210000", "location_c": "210100"}
    ).content.decode()
    assert "档案转寄邮编应为6位数字" in text and "单位所在地应选择到区县一级" in text
    assert 'value="210100" selected' in text  # the half-made cascade is kept
    assert 'value="测试单位人力资源部"' in text
    response = client.post(reverse("employer:confirm"), {**PROFILE, "next": reverse("employer:invite")})
    assert response["Location"] == reverse("employer:invite")
    user.employer.refresh_from_db()
    assert user.employer.profile_complete


def test_confirm_does_not_redirect_off_site(db: None, login_as: LoginAs) -> None:
    client = login_as(make_employer(profile=False))
    response = client.post(reverse("employer:confirm"), {**PROFILE, "next": "https://evil.example.com/"})
    assert response["Location"] == reverse("employer:agreements")


def test_profile_maintenance_shows_and_saves(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    page = client.get(reverse("employer:profile")).content.decode()
    assert "基本信息维护" in page and "提交" in page
    assert "请选择，一般选择所属省份，或省部级单位" in page
    assert 'value="210102" selected' in page  # 和平区, with its province and city preselected
    response = client.post(reverse("employer:profile"), {**PROFILE, "hukou_address": "新的户口接收地址"}, follow=True)
    assert "网签信息已保存" in response.content.decode()
    world.employer.employer.refresh_from_db()
    assert world.employer.employer.hukou_address == "新的户口接收地址"
    page = client.post(reverse("employer:profile"), {**PROFILE, "affiliation": "999"}).content.decode()
    assert "单位隶属不在代码表中" in page


def test_regions_cascade(world: World, login_as: LoginAs) -> None:
    client = login_as(world.employer)
    provinces = client.get(reverse("employer:regions")).json()
    assert {"code": "210000", "label": "辽宁省"} in provinces
    cities = client.get(reverse("employer:regions"), {"parent": "210000"}).json()
    assert {"code": "210100", "label": "沈阳市"} in cities
    counties = client.get(reverse("employer:regions"), {"parent": "210100"}).json()
    assert {"code": "210102", "label": "和平区"} in counties
    assert client.get(reverse("employer:regions"), {"parent": "999999"}).json() == []
