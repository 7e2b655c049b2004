"""The province reads the 营业执照 of an employer its schools deal with (outsider F2; SPEC §11: evidence is shown "to
parties, reviewers and the province"): the current scan and the ones the employer replaced, kept as 佐证材料, linked
from its agreement pages and served on the page and through the API; any other employer, another province's, 404."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from core.models import Province, RetiredLicence, Role, User
from core.services.employers import employer_verify
from core.services.licences import employer_upload_licence
from testsupport import ApiClient, LoginAs, World, invite, make_employer, make_user

pytestmark = pytest.mark.django_db

NEW_SCAN = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def province_admin(world: World) -> User:
    province = Province.objects.create(name="辽宁省教育厅")
    province.schools.set([world.school])
    return make_user("ln_jyc", Role.PROVINCE_ADMIN, province=province, display_name="辽宁省教育厅")


@pytest.fixture
def other_province_admin(world: World) -> User:
    Province.objects.create(name="吉林省教育厅").schools.set([world.other_school])
    return make_user("jl_jyc", Role.PROVINCE_ADMIN, province=Province.objects.get(name="吉林省教育厅"))


def test_the_province_reads_the_current_and_the_replaced_licence(
    world: World, province_admin: User, other_province_admin: User, login_as: LoginAs
) -> None:
    hr = make_employer("沈阳新注册科技有限公司", verified=False, licence=True)
    employer = hr.employer
    first = default_storage.open(employer.licence.name, "rb").read()
    employer_upload_licence(name="新执照.png", content=NEW_SCAN, acting_user=hr)
    kept = RetiredLicence.objects.get()
    employer_verify(employer.pk, approve=True, acting_user=world.school_admin)
    employer.refresh_from_db()
    (agreement,) = invite(hr, world.student)

    client = login_as(province_admin)
    page = client.get(f"/province/agreements/{agreement.pk}/").content.decode()
    assert "用人单位营业执照" in page and "资质审核已通过" in page
    assert f'href="/province/employers/{employer.pk}/licence/"' in page and "新执照.png" in page
    assert "此前上传并已被替换的扫描件（留存备查）" in page
    assert f'href="/province/employers/{employer.pk}/licences/{kept.pk}/"' in page and "营业执照.pdf" in page
    current = client.get(f"/province/employers/{employer.pk}/licence/")
    assert current.content == NEW_SCAN and current["Content-Type"] == "image/png"
    retired = client.get(f"/province/employers/{employer.pk}/licences/{kept.pk}/")
    assert retired.content == first and retired["Content-Type"] == "application/pdf"

    # An employer of another province's school only, or a licence of another employer: not there.
    elsewhere = make_employer("大连别家科技有限公司", licence=True)
    invite(elsewhere, world.outsider_student)
    other_employer = elsewhere.employer
    assert client.get(f"/province/employers/{other_employer.pk}/licence/").status_code == 404
    assert client.get(f"/province/employers/{other_employer.pk}/licences/{kept.pk}/").status_code == 404
    assert client.get(f"/province/employers/{employer.pk}/licences/{kept.pk + 99}/").status_code == 404
    other = login_as(other_province_admin)
    assert other.get(f"/province/employers/{employer.pk}/licence/").status_code == 404
    assert other.get(f"/province/employers/{employer.pk}/licences/{kept.pk}/").status_code == 404
    assert other.get(f"/province/employers/{other_employer.pk}/licence/").status_code == 200
    assert login_as(world.school_admin).get(f"/province/employers/{employer.pk}/licence/").status_code == 403

    # The API answers the same.
    api = ApiClient(Client()).login(province_admin)
    assert api.get(f"/province/employers/{employer.pk}/licence").content == NEW_SCAN
    assert api.get(f"/province/employers/{employer.pk}/licences/{kept.pk}").content == first
    assert api.get(f"/province/employers/{other_employer.pk}/licence").status_code == 404
    school = ApiClient(Client()).login(world.school_admin)
    assert school.get(f"/province/employers/{employer.pk}/licence").status_code == 403


def test_an_employer_its_school_verified_is_readable_before_any_agreement(
    world: World, province_admin: User, login_as: LoginAs
) -> None:
    hr = make_employer("沈阳刚审核科技有限公司", verified=False, licence=True)
    client = login_as(province_admin)
    assert client.get(f"/province/employers/{hr.employer.pk}/licence/").status_code == 404  # nobody dealt with it yet
    employer_verify(hr.employer.pk, approve=True, acting_user=world.school_admin)
    assert client.get(f"/province/employers/{hr.employer.pk}/licence/").status_code == 200
