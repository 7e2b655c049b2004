import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import codes
from core.codes import regions
from core.models import Student

FLAT = [name for name in codes.TABLES if name != "region"]


def all_counties() -> list[str]:
    return sorted(regions._tree().levels["county"])


@pytest.mark.parametrize("name", FLAT)
def test_flat_tables_have_unique_codes_and_labels(name):
    rows = codes.get_table(name)
    assert rows, name
    assert len({row["code"] for row in rows}) == len(rows)
    assert len({row["label"] for row in rows}) == len(rows)
    assert all(set(row) == {"code", "label"} and row["code"] and row["label"] for row in rows)
    assert codes.choices(name) == [(row["code"], row["label"]) for row in rows]
    for row in rows:
        assert codes.is_valid(name, row["code"])
        assert codes.label(name, row["code"]) == row["label"]


def test_nature_is_the_national_employment_data_list():
    """单位性质 as the 就业 data standard numbers it (core/codes/data/SOURCES.md): 20–23, not the SPEC's 21–24."""
    assert codes.choices("nature") == [
        ("10", "机关"), ("20", "科研设计单位"), ("21", "高等教育单位"), ("22", "中初教育单位"), ("23", "医疗卫生单位"),
        ("29", "其他事业单位"), ("31", "国有企业"), ("32", "三资企业"), ("39", "其他企业"), ("40", "部队"),
        ("55", "农村建制村"), ("56", "城镇社区"),
    ]  # fmt: skip


def test_degree_matches_the_student_model():
    assert codes.choices("degree") == [(value, str(text)) for value, text in Student.Degree.choices]


def test_position_category_and_affiliation_samples():
    assert codes.label("position_category", "13") == "工程技术人员"
    assert codes.label("position_category", "90") == "其他人员"
    assert codes.label("affiliation", "210000") == "辽宁省"
    assert "全国人大外事委员会" in dict(codes.choices("affiliation")).values()


def test_returned_rows_are_copies():
    codes.get_table("nature")[0]["label"] = "改掉"
    assert codes.label("nature", "10") == "机关"


def test_unknown_names_and_codes():
    with pytest.raises(KeyError):
        codes.get_table("nope")
    with pytest.raises(KeyError):
        codes.label("nope", "10", default="?")
    with pytest.raises(KeyError):
        codes.label("nature", "99")
    with pytest.raises(KeyError):
        codes.label("region", "999999")
    assert codes.label("nature", "99", default="") == ""
    assert codes.label("region", "999999", default="未知") == "未知"
    assert not codes.is_valid("nature", "99")
    assert not codes.is_valid("degree", "本科毕业生")


class TestRegion:
    def test_manual_example(self):
        assert codes.label("region", "210102") == "辽宁省沈阳市和平区"
        assert codes.is_valid("region", "210102")

    def test_only_county_level_codes_are_valid_locations(self):
        assert not codes.is_valid("region", "210000")
        assert not codes.is_valid("region", "210100")
        assert not codes.is_valid("region", "210101")  # 市辖区 placeholder
        assert codes.is_valid_region("210100", "city")
        assert codes.is_valid_region("210000", "province")
        assert not codes.is_valid_region("210101", "city")

    def test_every_county_level_division_is_present(self):
        counties = all_counties()
        assert 2800 <= len(counties) <= 3300
        assert all(len(code) == 6 and code.isdigit() for code in counties)
        source = json.loads((regions.data_dir() / "area.json").read_text(encoding="utf-8"))
        assert {row["code"] for row in source if row["name"] != "市辖区"} <= set(counties)

    def test_cascade_reaches_every_county_exactly_once(self):
        provinces = codes.get_table("region")
        assert len(provinces) == 31
        reached: list[str] = []
        for province in provinces:
            cities = codes.get_table("region", province["code"])
            assert cities, province
            for city in cities:
                assert city["code"][:2] == province["code"][:2]
                counties = codes.get_table("region", city["code"])
                assert counties, city
                reached += [county["code"] for county in counties]
        assert sorted(reached) == all_counties()

    def test_municipalities(self):
        assert codes.get_table("region", "110000") == [{"code": "110100", "label": "市辖区"}]
        assert [c["label"] for c in codes.get_table("region", "500000")] == ["市辖区", "县"]
        assert {"code": "110101", "label": "东城区"} in codes.get_table("region", "110100")
        assert codes.label("region", "110101") == "北京市东城区"
        assert codes.label("region", "500229") == "重庆市城口县"
        assert codes.label("region", "310115") == "上海市浦东新区"

    def test_county_level_cities_directly_under_a_province(self):
        assert codes.label("region", "429004") == "湖北省仙桃市"
        assert codes.label("region", "469002") == "海南省琼海市"
        assert codes.label("region", "659001") == "新疆维吾尔自治区石河子市"
        assert {"code": "429000", "label": "省直辖县级行政区划"} in codes.get_table("region", "420000")
        assert {"code": "659000", "label": "自治区直辖县级行政区划"} in codes.get_table("region", "650000")

    def test_cities_without_counties_are_their_own_county(self):
        assert codes.get_table("region", "441900") == [{"code": "441900", "label": "东莞市"}]
        assert codes.is_valid("region", "441900")
        assert codes.label("region", "441900") == "广东省东莞市"
        assert [r.code for r in regions.path("441900")] == ["440000", "441900", "441900"]

    def test_path_and_partial_labels(self):
        assert [r.name for r in regions.path("210102")] == ["辽宁省", "沈阳市", "和平区"]
        assert codes.label("region", "210100") == "辽宁省沈阳市"
        assert codes.label("region", "210000") == "辽宁省"
        assert regions.path("999999") == []
        assert codes.get_table("region", "999999") == []

    @given(st.data())
    def test_county_labels_start_with_their_province(self, data):
        code = data.draw(st.sampled_from(all_counties()))
        province = regions.path(code)[0]
        assert province.code == code[:2] + "0000"
        assert codes.label("region", code).startswith(province.name)
        county = regions.get(code)
        assert county is not None
        assert codes.label("region", code).endswith(county.name)
