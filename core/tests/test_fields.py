"""The 签约信息/terms fields are described once (core.fields) and validated from that description."""

from __future__ import annotations

import pytest
from django.db.models import Field

from core.errors import InvalidInput
from core.fields import PROFILE_FIELDS, TERMS_FIELDS, TERMS_SECTIONS, FieldSpec, Kind
from core.models import AgreementTerms, Employer
from core.services.terms import clean_value


def test_the_sections_hold_every_terms_field_once() -> None:
    listed = [name for section in TERMS_SECTIONS for name in section.fields]
    assert sorted(listed) == sorted(TERMS_FIELDS) and len(listed) == len(set(listed))


def test_every_described_field_is_a_model_field() -> None:
    assert set(TERMS_FIELDS) <= {f.name for f in AgreementTerms._meta.get_fields()}
    assert set(PROFILE_FIELDS) <= {f.name for f in Employer._meta.get_fields()}
    for name, spec in {**TERMS_FIELDS, **PROFILE_FIELDS}.items():
        assert spec.name == name
        if spec.max_length is not None:
            # The description never allows more than the column holds.
            column = AgreementTerms._meta.get_field(name) if name in TERMS_FIELDS else Employer._meta.get_field(name)
            assert isinstance(column, Field), name
            assert column.max_length is None or spec.max_length <= column.max_length, name


def test_an_incomplete_description_fails_at_import() -> None:
    with pytest.raises(ValueError, match="bounds"):
        FieldSpec("x", "某数", Kind.INT)
    with pytest.raises(ValueError, match="code table"):
        FieldSpec("x", "某代码", Kind.CODE)
    with pytest.raises(ValueError, match="maximum length"):
        FieldSpec("x", "某文字", Kind.TEXT)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("monthly_salary", "²", "月薪（元）应为整数"),
        ("monthly_salary", str(2**63), "月薪（元）应在0到10000000之间"),
        ("probation_months", "7", "试用期（月）应在0到6之间"),
        ("archive_address", "路" * 201, "档案转寄地址不能超过200个字"),
        ("position", "岗" * 101, "拟聘用职位不能超过100个字"),
        ("archive_contact", "人" * 51, "档案转寄联系人不能超过50个字"),
        ("affiliation", "nonsense", "单位隶属不在代码表中，请从列表中选择"),
        ("work_location", "110000", "工作地点应选择到区县一级"),
        ("unit_name", " ", "请填写单位名称"),
        ("archive_unit_name", "档案\x00室", "档案转寄单位名称不能包含空字符"),
    ],
)
def test_messages_name_the_field(name: str, raw: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_value(TERMS_FIELDS[name], raw)
    assert caught.value.errors == {name: message}


def test_full_width_digits_read_as_a_chinese_ime_types_them() -> None:
    assert clean_value(TERMS_FIELDS["monthly_salary"], "８０００") == 8000


def test_display_turns_codes_into_labels() -> None:
    spec = TERMS_FIELDS["work_location"]
    assert spec.display("") == "—" and spec.display(None, empty="") == ""
    assert spec.display("210102") != "210102"  # a county of 沈阳 reads as its name
    assert spec.display("999999") == "999999"  # a code the table no longer has is shown as stored
    assert TERMS_FIELDS["monthly_salary"].short_label == "月薪"
