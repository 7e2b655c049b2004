import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.masking import mask_email, mask_id_number, mask_name, mask_phone


def test_manual_examples():
    assert mask_id_number("211402199001011035") == "211402*****1035"
    assert mask_phone("18812343135") == "188****3135"
    assert mask_email("108123@qq.com") == "108***@qq.com"
    assert mask_name("张三丰") == "张**"


@pytest.mark.parametrize("mask", [mask_id_number, mask_phone, mask_email, mask_name])
def test_empty_input_gives_empty_output(mask):
    assert mask("") == ""
    assert mask(None) == ""


def test_short_values_keep_only_their_first_character():
    assert mask_id_number("1234567890") == "1*****"
    assert mask_phone("8368700") == "8****"
    assert mask_email("abc@qq.com") == "a***@qq.com"
    assert mask_email("a@qq.com") == "a***@qq.com"
    assert mask_email("not-an-email") == "n***"
    assert mask_name("张") == "张"


def test_old_fifteen_digit_id_and_landline():
    assert mask_id_number("110105491231002") == "110105*****1002"
    assert mask_phone("024-83687000") == "024****7000"


@given(st.text(min_size=11, max_size=40))
def test_id_mask_shape_does_not_depend_on_length(value):
    masked = mask_id_number(value)
    assert masked == value[:6] + "*****" + value[-4:]
    assert len(masked) == 15


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_phone_mask_hides_the_middle_four(phone):
    masked = mask_phone(phone)
    assert len(masked) == 11
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:] and masked[3:7] == "****"


@given(st.emails())
def test_email_mask_keeps_domain_and_at_most_three_characters(email):
    local, _, domain = email.rpartition("@")
    masked = mask_email(email)
    assert masked.endswith("***@" + domain)
    kept = masked[: -len("***@" + domain)]
    assert local.startswith(kept)
    assert len(kept) == (3 if len(local) > 3 else 1)


@given(st.text(min_size=1, max_size=20))
def test_name_mask_keeps_length_and_first_character(name):
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    assert set(masked[1:]) <= {"*"}


@given(st.text(min_size=1, max_size=30))
def test_nothing_longer_than_one_character_is_shown_in_full(value):
    for mask in (mask_id_number, mask_phone, mask_email):
        assert mask(value) != value or "*" in value
