import datetime
import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.validators import (
    birth_date_from_id,
    gender_from_id,
    validate_contact_phone,
    validate_credit_code,
    validate_email,
    validate_id_number,
    validate_phone,
    validate_postcode,
    validate_reason,
)

# Independent re-implementations of the check characters, so the tests do not trust the code under test.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PROVINCES = ("11", "12", "21", "31", "32", "42", "44", "46", "50", "65", "81", "82")


def id_check(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def uscc_check(body: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def fails_with(func, value, message: str, field: str) -> None:
    """Assert the rejection and its message; the field is passed only when it is not the default, so both paths run."""
    with pytest.raises(InvalidInput) as exc:
        if inspect.signature(func).parameters["field"].default == field:
            func(value)
        else:
            func(value, field)
    assert exc.value.detail == message
    assert exc.value.errors == {field: message}


id_bodies = st.builds(
    lambda province, county, born, seq: f"{province}{county:04d}{born:%Y%m%d}{seq:03d}",
    st.sampled_from(PROVINCES),
    st.integers(0, 9999),
    st.dates(datetime.date(1900, 1, 1), datetime.date.today()),
    st.integers(0, 999),
)


class TestIdNumber:
    def test_known_number(self):
        assert validate_id_number("11010519491231002X") == "11010519491231002X"

    def test_lowercase_x_whitespace_and_fullwidth_are_normalised(self):
        assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"
        assert validate_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("", "身份证号不能为空"),
            (None, "身份证号不能为空"),
            ("11010519491231002", "身份证号应为18位"),
            ("1101051949123100XX", "身份证号格式不正确：前17位应为数字，末位为数字或X"),
            ("110105194912310021", "身份证号校验位不正确"),
            ("99010519491231002" + id_check("99010519491231002"), "身份证号地区码无效"),
            ("11010519490230002" + id_check("11010519490230002"), "身份证号出生日期无效"),
            ("11010518991231002" + id_check("11010518991231002"), "身份证号出生日期无效"),
        ],
    )
    def test_rejections_name_the_field(self, value, message):
        fails_with(validate_id_number, value, message, "身份证号")

    def test_future_birth_date_is_rejected(self):
        body = f"110105{datetime.date.today() + datetime.timedelta(days=1):%Y%m%d}002"
        fails_with(validate_id_number, body + id_check(body), "身份证号出生日期无效", "身份证号")

    def test_custom_field_name(self):
        fails_with(validate_id_number, "110105194912310021", "证件号码校验位不正确", "证件号码")

    @given(id_bodies)
    def test_generated_numbers_validate(self, body):
        assert validate_id_number(body + id_check(body)) == body + id_check(body)

    @given(id_bodies, st.integers(0, 16), st.integers(1, 9))
    def test_any_single_digit_change_is_caught(self, body, position, delta):
        changed = body[:position] + str((int(body[position]) + delta) % 10) + body[position + 1 :]
        with pytest.raises(InvalidInput) as exc:
            validate_id_number(changed + id_check(body))
        if position >= 14:  # sequence digits: only the check digit can notice
            assert exc.value.detail == "身份证号校验位不正确"

    @given(id_bodies, st.sampled_from("0123456789X"))
    def test_wrong_check_character_is_caught(self, body, check):
        if check == id_check(body):
            return
        fails_with(validate_id_number, body + check, "身份证号校验位不正确", "身份证号")

    @given(id_bodies)
    def test_birth_date_and_gender(self, body):
        number = body + id_check(body)
        assert birth_date_from_id(number) == datetime.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
        assert gender_from_id(number) == ("男" if int(body[16]) % 2 else "女")

    def test_gender_examples(self):
        assert gender_from_id("11010519491231002X") == "女"
        body = "11010519491231001"
        assert gender_from_id(body + id_check(body)) == "男"


uscc_bodies = st.builds(
    lambda authority, kind, region, org: authority + kind + region + org,
    st.sampled_from("123456789ANY"),
    st.sampled_from("12359"),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)


class TestCreditCode:
    def test_manual_example_is_valid(self):
        assert validate_credit_code("1210000046300354XU") == "1210000046300354XU"

    def test_normalises_case_spaces_and_hyphens(self):
        assert validate_credit_code(" 1210000046300354xu") == "1210000046300354XU"
        assert validate_credit_code("12100000-46300354XU") == "1210000046300354XU"

    def test_other_registering_authorities_are_accepted(self):
        # 农村集体经济组织 (N) and 其他 (Y) codes start with letters.
        for body in ("N2110102MA0000000", "Y1110000MA0000000"):
            assert validate_credit_code(body + uscc_check(body)) == body + uscc_check(body)

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("", "统一社会信用代码不能为空"),
            ("1210000046300354X", "统一社会信用代码应为18位"),
            ("1210000046300354IU", "统一社会信用代码格式不正确：只能包含数字和大写字母（不含I、O、Z、S、V）"),
            ("12A0000046300354XU", "统一社会信用代码格式不正确：只能包含数字和大写字母（不含I、O、Z、S、V）"),
            ("1210000046300354XA", "统一社会信用代码校验位不正确"),
        ],
    )
    def test_rejections(self, value, message):
        fails_with(validate_credit_code, value, message, "统一社会信用代码")

    @given(uscc_bodies)
    def test_generated_codes_validate(self, body):
        assert validate_credit_code(body + uscc_check(body)) == body + uscc_check(body)

    @given(uscc_bodies, st.integers(8, 16), st.sampled_from(USCC_ALPHABET))
    def test_any_single_change_in_the_organisation_code_is_caught(self, body, position, char):
        if body[position] == char:
            return
        changed = body[:position] + char + body[position + 1 :]
        fails_with(validate_credit_code, changed + uscc_check(body), "统一社会信用代码校验位不正确", "统一社会信用代码")


class TestPhones:
    @given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
    def test_any_mainland_mobile(self, phone):
        assert validate_phone(phone) == phone
        assert validate_contact_phone(phone, "联系电话") == phone

    def test_mobile_formatting_is_removed(self):
        assert validate_phone("+86 188-1234-3135") == "18812343135"
        assert validate_phone(18812343135) == "18812343135"  # a spreadsheet cell read as a number
        assert validate_phone(18812343135.0) == "18812343135"  # type: ignore[arg-type]  # an Excel number cell

    @pytest.mark.parametrize("value", ["12812343135", "1881234313", "188123431350", "1881234313a", "02483687000"])
    def test_bad_mobiles(self, value):
        fails_with(validate_phone, value, "手机号应为11位大陆手机号码", "手机号")

    def test_digits_of_other_scripts_are_rejected(self):
        fails_with(validate_phone, "1881234313\u0665", "手机号应为11位大陆手机号码", "手机号")

    def test_empty_mobile(self):
        fails_with(validate_phone, " ", "手机号不能为空", "手机号")

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("024-83687000", "024-83687000"),
            ("02483687000", "024-83687000"),
            ("(010)12345678", "010-12345678"),
            ("0755 8368 7000", "0755-83687000"),
            ("0411-8368700", "0411-8368700"),
            ("024-83687000-123", "024-83687000-123"),
            ("400-810-8888", "400-8108888"),
        ],
    )
    def test_landlines(self, value, expected):
        assert validate_contact_phone(value, "联系电话") == expected

    @pytest.mark.parametrize("value", ["83687000", "12345", "024-123", "1234-83687000"])
    def test_bad_contact_phones(self, value):
        fails_with(
            validate_contact_phone,
            value,
            "档案转寄联系电话应为手机号码或带区号的固定电话，如 024-83687000",
            "档案转寄联系电话",
        )


class TestSmallFields:
    def test_postcode(self):
        assert validate_postcode(" 110004 ") == "110004"
        assert validate_postcode(110004) == "110004"
        for bad in ("11000", "1100040", "11000a"):
            fails_with(validate_postcode, bad, "档案转寄邮编应为6位数字", "档案转寄邮编")
        fails_with(validate_postcode, "", "邮编不能为空", "邮编")

    def test_reason_is_stripped_and_bounded(self):
        assert validate_reason("  单位撤销录用  ") == "单位撤销录用"
        assert validate_reason("字" * 200) == "字" * 200
        fails_with(validate_reason, "字" * 201, "解约原因不能超过200个字（当前201个）", "解约原因")
        fails_with(validate_reason, " \n ", "解约原因不能为空", "解约原因")
        with pytest.raises(InvalidInput):
            validate_reason("字" * 11, "驳回原因", max_length=10)

    @given(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
    def test_reason_accepts_any_text_up_to_200(self, text):
        assert validate_reason(text) == text.strip()

    def test_email(self):
        assert validate_email("108123@qq.com") == "108123@qq.com"
        assert validate_email(" Zhang.San@QQ.COM ") == "Zhang.San@qq.com"
        for bad in ("abc", "a@", "a b@qq.com", "@qq.com"):
            fails_with(validate_email, bad, "联系邮箱格式不正确", "联系邮箱")
        fails_with(validate_email, None, "邮箱不能为空", "邮箱")
