"""The portals' 签约信息 and 邀请函 forms are Django forms whose clean() is the core's validation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.services.terms import clean_profile, clean_terms
from testsupport import PROFILE, LoginAs, World
from web.forms import ProfileForm, TermsForm

pytestmark = pytest.mark.django_db


def test_the_profile_form_answers_with_the_cores_messages() -> None:
    form = ProfileForm(data={**PROFILE, "affiliation": "999", "archive_postcode": "1234"})
    assert not form.is_valid()
    errors = form.field_errors()
    assert errors["affiliation"] == "单位隶属不在代码表中，请从列表中选择"
    assert "档案转寄邮编" in errors["archive_postcode"]
    assert form.detail.startswith("有2项填写有误")
    good = ProfileForm(data=PROFILE)
    assert good.is_valid() and good.cleaned_data == clean_profile(dict(PROFILE))


def test_the_terms_form_keeps_defaults_for_fields_not_sent(world: World) -> None:
    employer = world.employer.employer
    form = TermsForm(employer, data={"position": "法务专员", "position_category": "10", "monthly_salary": "８０００"})
    assert form.is_valid(), form.errors
    expected = clean_terms(employer, {"position": "法务专员", "position_category": "10", "monthly_salary": 8000})
    assert form.cleaned_data == expected


def test_a_nul_character_is_refused_beside_its_field_and_nothing_saved(world: World, login_as: LoginAs) -> None:
    """PostgreSQL cannot store NUL in text: it is refused by the form, not a server error at save."""
    client = login_as(world.employer)
    employer = world.employer.employer
    before = employer.archive_unit_name
    page = client.post(reverse("employer:profile"), {**PROFILE, "archive_unit_name": "档案\x00室"})
    assert page.status_code == 200
    assert "档案转寄单位名称不能包含空字符" in page.content.decode()
    employer.refresh_from_db()
    assert employer.archive_unit_name == before
